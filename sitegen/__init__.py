"""sitegen: static sites for government-affairs openness (政务公开)."""
