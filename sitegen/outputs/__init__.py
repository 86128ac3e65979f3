"""One module per output format; each turns the linked site into artifacts, without the disk."""
