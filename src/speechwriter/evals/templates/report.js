(function () {
  var all = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var one = function (sel) { return document.querySelector(sel); };
  function showRepeat(col, rep) {
    all('.repeat', col).forEach(function (r) { r.hidden = r.getAttribute('data-rep') !== rep; });
    all('.reps button', col).forEach(function (b) { b.classList.toggle('on', b.getAttribute('data-rep') === rep); });
  }
  all('.col').forEach(function (col) {
    showRepeat(col, '0');
    all('.reps button', col).forEach(function (b) {
      b.addEventListener('click', function () { showRepeat(col, b.getAttribute('data-rep')); });
    });
  });
  var total = all('details.case').length;
  function apply() {
    var st = one('#f-status').value, v = one('#f-variant').value, m = one('#f-metric').value;
    var q = one('#f-search').value.trim().toLowerCase();
    var shown = 0;
    all('details.case').forEach(function (c) {
      var statuses = JSON.parse(c.getAttribute('data-statuses'));
      var failedMetrics = JSON.parse(c.getAttribute('data-failed-metrics'));
      var variants = v ? [v] : Object.keys(statuses);
      var ok = variants.some(function (x) { return x in statuses; });
      if (ok && st) ok = variants.some(function (x) { return statuses[x] === st; });
      if (ok && m) ok = variants.some(function (x) { return (failedMetrics[x] || []).indexOf(m) >= 0; });
      if (ok && q) ok = c.textContent.toLowerCase().indexOf(q) >= 0;
      c.hidden = !ok;
      all('.col', c).forEach(function (col) { col.hidden = !!v && col.getAttribute('data-variant') !== v; });
      var grid = c.querySelector('.grid');
      if (grid) grid.style.gridTemplateColumns = 'repeat(' + (v ? 1 : grid.getAttribute('data-n')) + ', minmax(0, 1fr))';
      var row = document.getElementById('row-' + c.id);
      if (row) row.hidden = !ok;
      if (ok) shown += 1;
    });
    one('#count').textContent = '显示 ' + shown + ' / ' + total + ' 个用例';
    one('#no-match').hidden = shown > 0;
  }
  ['#f-status', '#f-variant', '#f-metric'].forEach(function (s) { one(s).addEventListener('change', apply); });
  function view() {
    var marks = one('#f-view').value === 'marks';
    document.body.classList.toggle('show-marks', marks);
    document.body.classList.toggle('show-diff', !marks);
  }
  one('#f-view').addEventListener('change', view);
  view();
  one('#f-search').addEventListener('input', apply);
  one('#expand').addEventListener('click', function () {
    all('details.case').forEach(function (c) { if (!c.hidden) c.open = true; });
  });
  one('#collapse').addEventListener('click', function () { all('details.case').forEach(function (c) { c.open = false; }); });
  all('a.goto').forEach(function (a) {
    a.addEventListener('click', function () { var d = document.getElementById(a.getAttribute('href').slice(1)); if (d) d.open = true; });
  });
  if (location.hash) { var d = document.getElementById(location.hash.slice(1)); if (d && d.tagName === 'DETAILS') d.open = true; }
  apply();

  // Human review: verdicts and notes given in this page, downloaded as reviews.json (the format
  // `eval review` writes) together with those already recorded, for `eval review RUN --import`.
  var existing = JSON.parse(one('#review').getAttribute('data-existing') || '[]');
  var given = {};
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function now() {  // local time, to the second, as Python's isoformat(timespec="seconds") writes it
    var d = new Date();
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function rows() {
    var by = one('#rv-by').value.trim();
    var fresh = Object.keys(given).map(function (k) {
      var g = given[k];
      return {case: g.case, variant: g.variant, verdict: g.verdict, note: g.note, by: by, at: g.at};
    });
    return existing.concat(fresh);
  }
  function refresh() {
    var n = Object.keys(given).length;
    one('#rv-count').textContent = n ? '本页已评审 ' + n + ' 项' : '';
    one('#rv-json').value = JSON.stringify(rows(), null, 2) + '\n';
  }
  all('.rv').forEach(function (box) {
    var key = box.getAttribute('data-case') + '\u0000' + box.getAttribute('data-variant');
    var note = box.querySelector('.rv-note');
    function record(verdict) {
      given[key] = {case: box.getAttribute('data-case'), variant: box.getAttribute('data-variant'),
                    verdict: verdict, note: note.value.trim(), at: now()};
      all('button', box).forEach(function (b) { b.classList.toggle('on', b.getAttribute('data-verdict') === verdict); });
      refresh();
    }
    all('button', box).forEach(function (b) {
      b.addEventListener('click', function () { record(b.getAttribute('data-verdict')); });
    });
    note.addEventListener('input', function () { if (given[key]) record(given[key].verdict); });
  });
  one('#rv-by').addEventListener('input', refresh);
  one('#rv-download').addEventListener('click', function () {
    var msg = one('#rv-msg');
    if (!one('#rv-by').value.trim()) { msg.textContent = '请先填写评审人'; return; }
    if (!Object.keys(given).length) { msg.textContent = '还没有评审任何用例'; return; }
    msg.textContent = '';
    refresh();
    var blob = new Blob([one('#rv-json').value], {type: 'application/json'});
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'reviews.json';
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  });
  refresh();
})();
