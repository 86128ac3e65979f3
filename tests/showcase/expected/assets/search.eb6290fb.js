/* Site search (/search/): Pagefind's JS API behind a plain, accessible form.
   - No inline script and no Pagefind UI: results are links in a list, the count is announced
     through the page's role="status" region, and every text comes from the form's data-
     attributes (the theme's strings.yaml).
   - Pagefind compiles WebAssembly and runs in a worker from /pagefind/, so the site's
     Content-Security-Policy needs script-src 'self' 'wasm-unsafe-eval' (no 'unsafe-inline').
   - The index is in shards, each a Pagefind bundle of its own (sitegen/outputs/search.py):
     /pagefind/shards.json lists them; the first is loaded and the others are merged into it
     with Pagefind's mergeIndex, so that one search covers them all. Every URL is resolved
     from the form's data-bundle, which is relative to the page: the site may live under a
     sub-path.
   - Chinese: Pagefind segments the query with the browser's dictionary, which does not always
     cut a name or a title where the index did. Each page's key terms (title, names, 文号,
     material names) are also indexed as single characters (sitegen/outputs/search.py); the
     query is searched that way too, as an exact phrase, and those pages come first; then the
     pages that have the query as a phrase in their text. Pagefind scores exact matches alike
     in every shard, while its ordinary scores depend on the words of each shard's pages: the
     two tiers keep a page near the top whichever shard holds it. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-list");
  var more = document.getElementById("search-more");
  if (!form || !input || !status || !list || !more) {
    return;
  }
  var noscript = document.getElementById("search-noscript");
  if (noscript) {
    noscript.hidden = true; // this script runs: the page's own search works
  }
  var text = form.dataset;
  var BATCH = 10; // results shown at a time
  var DELAY = 350; // ms after the last keystroke before searching while typing
  var bundle = null;
  var results = [];
  var shown = 0;
  var latest = 0;
  var timer = 0;

  function message(template, query, count) {
    return template.split("{count}").join(String(count)).split("{query}").join(query);
  }

  // The same rule as search_terms() in sitegen/outputs/search.py: every letter and digit is
  // a word of its own, everything else is dropped.
  function characters(query) {
    return Array.from(query.toLowerCase()).filter(function (ch) {
      return /[\p{L}\p{N}]/u.test(ch);
    }).join(" ");
  }

  // Pagefind with every shard merged in; null when the site has no page to search.
  function pagefind() {
    if (bundle === null) {
      var list = new URL("shards.json", new URL(text.bundle, document.baseURI));
      bundle = fetch(list).then(function (response) {
        if (!response.ok) {
          throw new Error(list + ": " + response.status);
        }
        return response.json();
      }).then(function (index) {
        // Each ends with "/": Pagefind skips a bundle whose path is a prefix of the first's.
        var shards = index.shards.map(function (shard) { return new URL(shard.bundle, list).href; });
        if (!shards.length) {
          return null;
        }
        return import(shards[0] + "pagefind.js").then(function (module) {
          return Promise.resolve(module.init()).then(function () {
            // Merged in list order (the order of equal scores): requested together, loaded at once.
            return Promise.all(shards.slice(1).map(function (shard) { return module.mergeIndex(shard); }));
          }).then(function () {
            return module;
          });
        });
      });
      bundle.catch(function () {
        bundle = null; // try again on the next search
      });
    }
    return bundle;
  }

  // Pages found by each exact search (tiers, best first) come first, in Pagefind's order where
  // it found them too; then the rest of Pagefind's results.
  function merge(ordinary, tiers) {
    var seen = new Set();
    var merged = [];
    function add(r) {
      if (!seen.has(r.id)) {
        seen.add(r.id);
        merged.push(r);
      }
    }
    tiers.forEach(function (exact) {
      var key = new Set(exact.map(function (r) { return r.id; }));
      ordinary.filter(function (r) { return key.has(r.id); }).forEach(add);
      exact.forEach(add);
    });
    ordinary.forEach(add);
    return merged;
  }

  // Pagefind's excerpt is HTML with <mark> around the words found: keep only text and <mark>.
  function excerpt(html) {
    var p = document.createElement("p");
    p.className = "search-result__excerpt";
    var parsed = new DOMParser().parseFromString(html, "text/html");
    parsed.body.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent || ""));
      }
    });
    // Pagefind joins the page's blocks with ". ": no excerpt starts with one
    if (p.firstChild && p.firstChild.nodeType === Node.TEXT_NODE) {
      p.firstChild.textContent = p.firstChild.textContent.replace(/^[\s.]+/, "");
    }
    return p;
  }

  function item(data) {
    var li = document.createElement("li");
    li.className = "search-result";
    var a = document.createElement("a");
    a.className = "search-result__title";
    a.href = data.url;
    a.textContent = (data.meta && data.meta.title) || data.url;
    li.appendChild(a);
    if (data.excerpt) {
      li.appendChild(excerpt(data.excerpt));
    }
    return li;
  }

  async function showMore(run, focus) {
    var batch = results.slice(shown, shown + BATCH);
    var data = await Promise.all(batch.map(function (r) { return r.data(); }));
    if (run !== latest) {
      return;
    }
    var first = null;
    data.forEach(function (d) {
      var li = item(d);
      first = first || li.querySelector("a");
      list.appendChild(li);
    });
    shown += batch.length;
    more.hidden = shown >= results.length;
    if (focus && first) {
      first.focus(); // the keyboard carries on from the first new result
    }
  }

  async function search(query) {
    var run = ++latest;
    query = query.trim();
    results = [];
    shown = 0;
    list.textContent = "";
    more.hidden = true;
    if (!query) {
      status.textContent = text.idle;
      return;
    }
    status.textContent = text.loading;
    list.setAttribute("aria-busy", "true");
    try {
      var pf = await pagefind();
      var none = { results: [] };
      var ordinary = pf ? await pf.search(query) : none;
      var chars = characters(query);
      var exact = pf && chars ? await pf.search("\"" + chars + "\"") : none;
      var words = query.split("\"").join(" ").trim();
      var phrase = pf && words ? await pf.search("\"" + words + "\"") : none;
      if (run !== latest) {
        return;
      }
      results = merge(ordinary.results, [exact.results, phrase.results]);
      await showMore(run, false);
      if (run === latest) {
        // Announced once the list is there, so that Tab from here reaches the results.
        status.textContent = results.length
          ? message(text.count, query, results.length)
          : message(text.none, query, 0);
      }
    } catch (e) {
      if (run === latest) {
        status.textContent = text.unavailable;
      }
    } finally {
      if (run === latest) {
        list.setAttribute("aria-busy", "false");
      }
    }
  }

  function remember(query) {
    var url = new URL(window.location.href);
    if (query) {
      url.searchParams.set("q", query);
    } else {
      url.searchParams.delete("q");
    }
    window.history.replaceState(null, "", url.href);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    remember(input.value.trim());
    search(input.value);
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      remember(input.value.trim());
      search(input.value);
    }, DELAY);
  });
  more.addEventListener("click", function () {
    showMore(latest, true);
  });

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  search(initial);
})();
