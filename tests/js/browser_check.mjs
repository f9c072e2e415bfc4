// Opens built HTML pages in a real headless Chromium, waits for MathJax to finish typesetting,
// and fails on a math error node, untypeset math, a console error, a page error or a request
// that leaves the local server. Saves a full-page screenshot of each page.
//
//   node browser_check.mjs USER_DATA_DIR URL SCREENSHOT.png [URL SCREENSHOT.png ...]
//
// Prints one JSON line per page; exit status 1 when any page fails. CHROMIUM names the
// browser (default /usr/bin/chromium, Debian's package).
import { chromium } from "playwright-core";

const [userDataDir, ...pairs] = process.argv.slice(2);
if (!userDataDir || pairs.length === 0 || pairs.length % 2) {
  console.error("usage: node browser_check.mjs USER_DATA_DIR URL SCREENSHOT [URL SCREENSHOT ...]");
  process.exit(2);
}

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1100, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

let failed = false;
try {
  for (let k = 0; k < pairs.length; k += 2) {
    const [url, screenshot] = [pairs[k], pairs[k + 1]];
    const origin = new URL(url).origin;
    const problems = [];
    const page = await context.newPage();
    await page.route("**/*", (route) => {
      const target = route.request().url();
      if (target.startsWith(origin) || target.startsWith("data:")) return route.continue();
      problems.push(`request outside the local server: ${target}`);
      return route.abort();
    });
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("requestfailed", (req) => {
      if (req.url().startsWith(origin)) problems.push(`request failed: ${req.url()}`);
    });
    const response = await page.goto(url, { waitUntil: "load" });
    if (!response || !response.ok()) problems.push(`HTTP ${response && response.status()} for ${url}`);
    try {
      await page.waitForFunction(() => window.MathJax && window.MathJax.startup
                                 && window.MathJax.startup.promise, null, { timeout: 30000 });
      await page.evaluate(() => window.MathJax.startup.promise);
    } catch (err) {
      problems.push(`MathJax did not finish: ${String(err.message).split("\n")[0]}`);
    }
    const math = await page.evaluate(() => ({
      spans: document.querySelectorAll(".math").length,
      typeset: document.querySelectorAll("mjx-container").length,
      untypeset: [...document.querySelectorAll(".math")]
        .filter((el) => !el.querySelector("mjx-container")).map((el) => el.textContent.slice(0, 120)),
      errors: [...document.querySelectorAll("mjx-merror")]
        .map((el) => (el.getAttribute("data-mjx-error") || el.textContent).slice(0, 200)),
    }));
    if (math.spans === 0) problems.push("no math on the page");
    for (const text of math.untypeset) problems.push(`math not typeset: ${text}`);
    for (const text of math.errors) problems.push(`MathJax error: ${text}`);
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.close();
    console.log(JSON.stringify({ url, screenshot, spans: math.spans, typeset: math.typeset, problems }));
    if (problems.length) failed = true;
  }
} finally {
  await context.close();
}
process.exit(failed ? 1 : 0);
