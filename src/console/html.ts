/** The console's HTML document: a shell the page's script fills in. */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The document, titled `title`; `query` (`?token=…`) is added to the URLs of its script and style sheet. */
export function consoleHtml(title: string, query: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css${escapeHtml(query)}">
</head>
<body>
<div id="app" data-title="${escapeHtml(title)}"></div>
<script src="app.js${escapeHtml(query)}"></script>
</body>
</html>
`;
}
