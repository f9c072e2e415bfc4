// Reads a JSON array of {display: bool, tex: string} from stdin and renders each with
// KaTeX, throwOnError: true. Prints one JSON line: {"rendered": N, "errors": [...]}.
const katex = require("katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const spans = JSON.parse(input);
  const errors = [];
  for (const [index, span] of spans.entries()) {
    try {
      katex.renderToString(span.tex, { displayMode: span.display, throwOnError: true, strict: "error" });
    } catch (err) {
      errors.push({ index, message: String(err.message), tex: span.tex.slice(0, 200) });
    }
  }
  process.stdout.write(JSON.stringify({ rendered: spans.length - errors.length, errors }) + "\n");
});
