/** The dashboard's HTML and CSS, served as they are (no build step). */

/** The page: a form for the evaluation context, a live status line, the file's warnings, and the flag tables the script fills in. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>flagstream · local flags</title>
<link rel="icon" href="/_dashboard/icon.svg">
<link rel="stylesheet" href="/_dashboard/style.css">
<script type="module" src="/_dashboard/app.js"></script>
</head>
<body>
<header>
<h1>flagstream <span>local flags</span></h1>
<p id="live" role="status" aria-live="polite">connecting…</p>
</header>
<main>
<form id="evaluate-as">
<fieldset>
<legend>Evaluate as</legend>
<label for="user-id">User id</label>
<input id="user-id" name="user-id" placeholder="anonymous" autocomplete="off">
<label for="attributes">Attributes</label>
<input id="attributes" name="attributes" placeholder="plan=pro, country=NL" autocomplete="off" aria-describedby="attributes-hint">
<button type="submit">Evaluate</button>
<small id="attributes-hint">name=value pairs, separated by commas</small>
</fieldset>
</form>
<p id="message" role="alert"></p>
<p id="file-problem" role="alert"></p>
<section id="warnings" aria-labelledby="warnings-title" hidden>
<h2 id="warnings-title">Warnings about the flags file</h2>
<ul></ul>
</section>
<div id="projects"></div>
</main>
</body>
</html>
`;

/** The tab icon: a small flag. */
export const DASHBOARD_ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M3 1v14" stroke="#2459d6" stroke-width="2"/><path d="M4 2h9l-2 3 2 3H4z" fill="#1f8a4c"/></svg>';

/** Styles: readable tables, a visible focus ring, switches drawn over real checkboxes. */
export const DASHBOARD_CSS = `:root{color-scheme:light dark;--fg:#1d2330;--muted:#5b6475;--line:#d6dae1;--accent:#2459d6;--on:#1f8a4c;--bg:#fff;--alt:#f5f7fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#a4acba;--line:#384052;--accent:#7aa2ff;--on:#4cc38a;--bg:#161a22;--alt:#1d2230}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;align-items:baseline;justify-content:space-between;gap:1rem;padding:.75rem 1.5rem;border-bottom:1px solid var(--line)}
h1{font-size:1.2rem;margin:0}h1 span{color:var(--muted);font-weight:400}
main{padding:1rem 1.5rem;max-width:84rem}
#live{margin:0;color:var(--muted)}#live.ok::before{content:"● ";color:var(--on)}
fieldset{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;border:1px solid var(--line);border-radius:6px}
legend{font-weight:600}
input,button{font:inherit;padding:.3rem .5rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
small{color:var(--muted)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
#message:empty,#file-problem:empty{display:none}#message,#file-problem{color:#c0392b;font-weight:600}#file-problem{white-space:pre-wrap}
#warnings{border-left:4px solid #c98a00;padding:.25rem 1rem;margin:1rem 0}#warnings h2{margin:.25rem 0}#warnings ul{margin:.25rem 0;padding-left:1.1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
table{width:100%;border-collapse:collapse;margin-bottom:1.25rem;table-layout:fixed}
th:nth-child(1){width:24%}th:nth-child(2){width:5.5rem}th:nth-child(3){width:5rem}th:nth-child(4){width:10%}th:nth-child(6){width:14%}th:nth-child(7){width:8.5rem}
td{overflow-wrap:break-word}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid var(--line)}
thead th{background:var(--alt);font-size:.85rem;color:var(--muted)}
td.flag code{font-weight:600}td.flag p{margin:.15rem 0 0;color:var(--muted);font-size:.85rem;max-width:28rem}
ul.rules{margin:0;padding-left:1.1rem}
td.variant code{font-weight:600}
input[role=switch]{appearance:none;width:2.4rem;height:1.3rem;border-radius:1rem;border:1px solid var(--line);background:var(--alt);position:relative;cursor:pointer;padding:0;vertical-align:middle}
input[role=switch]::after{content:"";position:absolute;top:.1rem;left:.12rem;width:1rem;height:1rem;border-radius:50%;background:var(--muted);transition:left .15s}
input[role=switch]:checked{background:var(--on);border-color:var(--on)}
input[role=switch]:checked::after{left:1.2rem;background:#fff}
input[role=switch]:disabled{opacity:.5;cursor:not-allowed}
.state{margin-left:.4rem;font-size:.85rem;color:var(--muted)}
`;
