//! The page's inline stylesheet and script: no network at view time. The
//! script filters rows and sorts columns and rows in the browser, counts
//! its own errors into `<body data-js-errors>` and sets `data-ready` when
//! done (the browser test reads both).

/// The stylesheet, in `<style>`.
pub(super) const CSS: &str = r#"
:root{--pass:#d8f0dc;--fail:#f7c9c9;--should:#fbe3c2;--flaky:#efdcf7;--error:#e0a0a0;--blocked:#e6e6e6;--skip:#f4f4f4;--ng:#d0d0d0;--line:#c8c8c8;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;color:#1d1d1d}
body{margin:0 0 4em 0;background:#fff}
header{padding:12px 16px;border-bottom:1px solid var(--line);background:#fafafa}
h1{font-size:20px;margin:0 0 4px 0}
.meta{color:#555;margin:0 0 4px 0}
.summary{margin:0 0 6px 0}
.controls{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:6px 0}
.controls input[type=search]{width:18em;padding:3px 6px}
.legend{color:#444;font-size:12px;margin-top:6px}
.legend span.c{display:inline-block;min-width:1.6em;text-align:center;border:1px solid var(--line);margin:0 2px 0 8px}
.wrap{overflow:auto;max-height:calc(100vh - 150px);margin:0 16px}
table.grid{border-collapse:separate;border-spacing:0;margin-top:8px}
.grid th,.grid td{border-right:1px solid var(--line);border-bottom:1px solid var(--line);padding:2px 6px}
.grid thead th{position:sticky;top:0;background:#fff;z-index:2;vertical-align:bottom;border-top:1px solid var(--line)}
.grid thead th.impl{min-width:7.5em;text-align:center}
.grid th.clause{position:sticky;left:0;background:#fff;z-index:1;text-align:left;font-weight:normal;white-space:nowrap;max-width:34em;overflow:hidden;text-overflow:ellipsis;border-left:1px solid var(--line)}
.grid thead th.clause{z-index:3}
.grid tr.sec th{background:#eef2f7;text-align:left;position:sticky;left:0}
.grid td.pts,.grid td.rate{text-align:right;color:#555;font-variant-numeric:tabular-nums}
.id{font-weight:600}.lvl{font-size:11px;color:#666;margin:0 4px}.txt{color:#555}
.lock{font-size:11px}
td.c{text-align:center;white-space:nowrap;font-variant-numeric:tabular-nums}
td.c a{color:inherit;text-decoration:none;display:block}
td.c a:hover{text-decoration:underline}
.c.pass{background:var(--pass)}.c.fail{background:var(--fail);font-weight:700}.c.fail-should{background:var(--should)}
.c.flaky{background:var(--flaky)}.c.error{background:var(--error)}.c.blocked{background:var(--blocked);color:#777}
.c.skip{background:var(--skip);color:#888}.c.not-run{color:#aaa}.c.untestable{color:#aaa;font-size:11px}.c.not-graded{background:var(--ng)}
.score{font-size:15px;font-weight:700;font-variant-numeric:tabular-nums}
.pct{font-size:12px;color:#444}
.verdict{font-size:11px;margin-top:2px;padding:1px 3px;border-radius:3px}
.verdict.ok{background:var(--pass)}.verdict.bad{background:var(--fail)}.verdict.err{background:#444;color:#fff}
.delta{font-size:11px;margin-top:2px}.delta .up{color:#176b2c}.delta .down{color:#a31515}
.bar{height:4px;background:#eee;margin-top:3px}.bar div{height:4px;background:#3a8f4f}
section.impl{margin:28px 16px 0 16px;border-top:2px solid #444;padding-top:6px}
section.impl h2{margin:4px 0;font-size:18px}
section.impl:target{background:#fffbe6}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:6px 0}
dl.facts dt{color:#666}dl.facts dd{margin:0}
.diag{border-left:4px solid #c0392b;background:#fdf0ef;padding:6px 10px;margin:8px 0}
.progress{border-left:4px solid #2c6fbb;background:#eef4fb;padding:6px 10px;margin:8px 0}
article{border:1px solid var(--line);border-radius:4px;margin:10px 0;padding:6px 10px}
article:target{outline:3px solid #f0b400}
article h3{margin:2px 0 4px 0;font-size:15px}
blockquote{margin:4px 0 8px 0;padding:4px 10px;border-left:3px solid #999;color:#333;background:#f7f7f7}
table.ea{border-collapse:collapse;margin:4px 0}
table.ea th{text-align:left;vertical-align:top;color:#666;padding:1px 10px 1px 0;font-weight:normal}
table.ea td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;white-space:pre-wrap;word-break:break-all}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:6px;overflow:auto;font-size:12px;max-height:30em}
code.rerun{display:block;white-space:pre-wrap;word-break:break-all;background:#f6f8fa;border:1px solid #e1e4e8;padding:4px;font-size:12px}
.hidden-row{display:none}
a.top{font-size:12px}
"#;

/// The script, in `<script>` at the end of `<body>`.
pub(super) const JS: &str = r#"
(function(){
var errors=0;
window.addEventListener('error',function(){errors++;document.body.setAttribute('data-js-errors',String(errors));});
function $(s){return document.querySelector(s);}
function $$(s){return Array.prototype.slice.call(document.querySelectorAll(s));}
var grid=$('table.grid');
function apply(){
  var q=$('#q').value.trim().toLowerCase();
  var lvl=$('#level').value;var show=$('#show').value;
  $$('tbody.section').forEach(function(tb){
    var any=false;
    Array.prototype.slice.call(tb.querySelectorAll('tr.row')).forEach(function(tr){
      var ok=true;
      if(q&&tr.getAttribute('data-search').indexOf(q)<0)ok=false;
      if(lvl&&tr.getAttribute('data-level')!==lvl)ok=false;
      var st=tr.getAttribute('data-statuses');
      if(show==='failing'&&!/(^| )(fail|fail-should|flaky|error)( |$)/.test(st))ok=false;
      if(show==='flaky'&&!/(^| )flaky( |$)/.test(st))ok=false;
      if(show==='notall'&&tr.getAttribute('data-allpass')==='1')ok=false;
      if(show==='blocked'&&!/(^| )blocked( |$)/.test(st))ok=false;
      tr.classList.toggle('hidden-row',!ok);if(ok)any=true;
    });
    tb.querySelector('tr.sec').classList.toggle('hidden-row',!any);
  });
}
function sortCols(){
  var mode=$('#colsort').value;
  var heads=$$('thead th.impl');
  var order=heads.map(function(th){return{col:+th.getAttribute('data-col'),name:th.getAttribute('data-name'),pct:+th.getAttribute('data-pct')};});
  if(mode==='score-desc')order.sort(function(a,b){return b.pct-a.pct||a.col-b.col;});
  else if(mode==='score-asc')order.sort(function(a,b){return a.pct-b.pct||a.col-b.col;});
  else if(mode==='name')order.sort(function(a,b){return a.name<b.name?-1:a.name>b.name?1:0;});
  else order.sort(function(a,b){return a.col-b.col;});
  $$('table.grid tr').forEach(function(tr){
    var cells={};Array.prototype.slice.call(tr.children).forEach(function(td){var c=td.getAttribute('data-col');if(c!==null)cells[c]=td;});
    order.forEach(function(o){if(cells[o.col])tr.appendChild(cells[o.col]);});
  });
}
function sortRows(){
  var mode=$('#rowsort').value;
  $$('tbody.section').forEach(function(tb){
    var rows=Array.prototype.slice.call(tb.querySelectorAll('tr.row'));
    rows.sort(function(a,b){
      if(mode==='hardest'){var d=(+a.getAttribute('data-rate'))-(+b.getAttribute('data-rate'));if(d)return d;}
      return (+a.getAttribute('data-pos'))-(+b.getAttribute('data-pos'));
    });
    rows.forEach(function(r){tb.appendChild(r);});
  });
}
['#q','#level','#show'].forEach(function(s){$(s).addEventListener('input',apply);$(s).addEventListener('change',apply);});
$('#colsort').addEventListener('change',sortCols);
$('#rowsort').addEventListener('change',sortRows);
$$('button.copy').forEach(function(b){b.addEventListener('click',function(){
  var t=b.previousElementSibling.textContent;
  try{navigator.clipboard.writeText(t);b.textContent='copied';}catch(e){b.textContent='select and copy';}
});});
var params=new URLSearchParams(location.search);
if(params.get('show')){$('#show').value=params.get('show');}
if(params.get('cols')){$('#colsort').value=params.get('cols');sortCols();}
if(params.get('rows')){$('#rowsort').value=params.get('rows');sortRows();}
apply();
document.body.setAttribute('data-js-errors',String(errors));
document.body.setAttribute('data-ready','1');
})();
"#;
