/* marginalia report: sortable, filterable comparisons table. Vanilla JS, no network.
   State lives in the URL hash, e.g. #sort=delta:desc&q=gsm8k&flags=underpowered,within_noise,
   so a view can be bookmarked and shared. Sets <body data-ready="1"> once initialised. */
(function () {
  'use strict';
  var body = document.body;
  window.addEventListener('error', function (ev) {
    body.setAttribute('data-js-error', String(ev.message || 'error'));
  });

  function init() {
    var table = document.getElementById('cmp-table');
    if (!table) { return; }  // no comparisons: nothing to wire up
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var keys = heads.map(function (th) { return th.getAttribute('data-key'); });
    var types = heads.map(function (th) { return th.getAttribute('data-type'); });
    var form = document.getElementById('cmp-controls');
    var box = document.getElementById('cmp-filter');
    var checks = Array.prototype.slice.call(form.querySelectorAll('input[name=flag]'));
    var count = document.getElementById('cmp-count');
    var haystack = rows.map(function (r) { return r.textContent.toLowerCase().replace(/\s+/g, ' '); });
    var flagsOf = rows.map(function (r) {
      return (r.getAttribute('data-flags') || '').split(' ').filter(Boolean);
    });
    rows.forEach(function (r, i) { r.setAttribute('data-i', String(i)); });
    var state = { sort: '', dir: 'asc', q: '', flags: [] };

    function value(row, col) {
      var v = row.cells[col].getAttribute('data-v');
      if (types[col] === 'num') {
        var x = parseFloat(v);
        return isFinite(x) ? x : null;
      }
      return v ? v.toLowerCase() : null;
    }

    function sortRows() {
      var col = keys.indexOf(state.sort);
      heads.forEach(function (th, j) {
        if (j === col) { th.setAttribute('aria-sort', state.dir === 'asc' ? 'ascending' : 'descending'); }
        else { th.removeAttribute('aria-sort'); }
      });
      var order = rows.slice();
      if (col >= 0) {
        var sign = state.dir === 'asc' ? 1 : -1;
        var vals = rows.map(function (r) { return value(r, col); });
        order.sort(function (a, b) {
          var ia = +a.getAttribute('data-i'), ib = +b.getAttribute('data-i');
          var va = vals[ia], vb = vals[ib];
          if (va === null || vb === null) {  // missing values always last
            if (va === vb) { return ia - ib; }
            return va === null ? 1 : -1;
          }
          var c = types[col] === 'num' ? va - vb : va.localeCompare(vb, undefined, { numeric: true });
          return c !== 0 ? sign * c : ia - ib;
        });
      }
      var frag = document.createDocumentFragment();
      order.forEach(function (r) { frag.appendChild(r); });
      tbody.appendChild(frag);
      table.setAttribute('data-sorted', col >= 0 ? state.sort + ':' + state.dir : '');
    }

    function filterRows() {
      var terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (r, i) {
        var ok = terms.every(function (t) { return haystack[i].indexOf(t) >= 0; }) &&
          state.flags.every(function (f) { return flagsOf[i].indexOf(f) >= 0; });
        r.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown === rows.length
        ? rows.length + ' comparisons'
        : 'Showing ' + shown + ' of ' + rows.length + ' comparisons';
      table.setAttribute('data-visible', String(shown));
    }

    function writeHash() {
      var parts = [];
      if (state.sort) { parts.push('sort=' + encodeURIComponent(state.sort + ':' + state.dir)); }
      if (state.q) { parts.push('q=' + encodeURIComponent(state.q)); }
      if (state.flags.length) { parts.push('flags=' + state.flags.map(encodeURIComponent).join(',')); }
      try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search); }
      catch (e) { /* some viewers forbid URL changes: the view still works */ }
    }

    function readHash() {
      var h = location.hash.replace(/^#/, '');
      if (h.indexOf('=') < 0) { return false; }  // an anchor such as #e-..., not a view state
      var next = { sort: '', dir: 'asc', q: '', flags: [] };
      h.split('&').forEach(function (kv) {
        var i = kv.indexOf('=');
        if (i < 0) { return; }
        var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, ' '));
        if (k === 'sort') {
          var p = v.split(':');
          if (keys.indexOf(p[0]) >= 0) { next.sort = p[0]; next.dir = p[1] === 'desc' ? 'desc' : 'asc'; }
        } else if (k === 'q') {
          next.q = v;
        } else if (k === 'flags') {
          next.flags = v.split(',').filter(function (f) {
            return checks.some(function (c) { return c.value === f; });
          });
        }
      });
      state = next;
      return true;
    }

    function syncControls() {
      box.value = state.q;
      checks.forEach(function (c) { c.checked = state.flags.indexOf(c.value) >= 0; });
    }

    function apply(write) {
      filterRows();
      sortRows();
      if (write) { writeHash(); }
    }

    heads.forEach(function (th, j) {
      var btn = th.querySelector('button');
      btn.addEventListener('click', function () {
        if (state.sort === keys[j]) { state.dir = state.dir === 'asc' ? 'desc' : 'asc'; }
        else { state.sort = keys[j]; state.dir = 'asc'; }
        apply(true);
      });
    });
    box.addEventListener('input', function () { state.q = box.value.trim(); apply(true); });
    checks.forEach(function (c) {
      c.addEventListener('change', function () {
        state.flags = checks.filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
        apply(true);
      });
    });
    document.getElementById('cmp-reset').addEventListener('click', function () {
      state = { sort: '', dir: 'asc', q: '', flags: [] };
      syncControls();
      apply(true);
    });

    // A link to a row hidden by the filter (e.g. a highlighted span) clears the filter first.
    function reveal() {
      var id = decodeURIComponent(location.hash.replace(/^#/, ''));
      if (!id || id.indexOf('=') >= 0) { return; }
      var el = document.getElementById(id);
      if (el && el.parentNode === tbody && el.hidden) {
        state.q = ''; state.flags = [];
        syncControls();
        filterRows();
        el.scrollIntoView({ block: 'center' });
      }
    }
    window.addEventListener('hashchange', function () {
      if (readHash()) { syncControls(); apply(false); } else { reveal(); }
    });

    form.hidden = false;
    readHash();
    syncControls();
    apply(false);
  }

  try {
    init();
    body.setAttribute('data-ready', '1');
  } catch (e) {
    body.setAttribute('data-ready', 'error');
    body.setAttribute('data-js-error', String(e && e.message || e));
    throw e;
  }
}());
