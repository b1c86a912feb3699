// Drives Debian's chromium for ai-gate's browser tests (tests/integration/browser.py).
// One JSON command a line on stdin, one JSON answer a line on stdout:
//   {"op": "goto", "url": …} -> {"url": final URL, "status": HTTP status}
//   {"op": "fill", "selector": …, "value": …}, {"op": "click", "selector": …}
//   {"op": "text", "selector": …} -> {"text": …}; {"op": "attr", "selector": …, "name": …}
//   {"op": "content"} -> {"html": …, "url": …}; {"op": "screenshot", "path": …}
//   {"op": "download", "selector": …, "path": …} -> {"path": …, "filename": …}
//   {"op": "cookies"} -> {"cookies": […]}; {"op": "add_cookies", "cookies": […]}
// The browser is the machine's own (executablePath); nothing is downloaded.
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];

const browser = await chromium.launch({
  executablePath: process.env.AI_GATE_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: FLAGS,
});
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);

async function run(command) {
  switch (command.op) {
    case "goto": {
      const response = await page.goto(command.url, { waitUntil: "load" });
      return { url: page.url(), status: response ? response.status() : null };
    }
    case "fill":
      await page.fill(command.selector, command.value);
      return {};
    case "click": {
      await Promise.all([
        page.waitForLoadState("load"),
        page.click(command.selector),
      ]);
      await page.waitForLoadState("load");
      return { url: page.url() };
    }
    case "text":
      return { text: await page.textContent(command.selector) };
    case "attr":
      return { value: await page.getAttribute(command.selector, command.name) };
    case "content":
      return { html: await page.content(), url: page.url() };
    case "screenshot":
      await page.screenshot({ path: command.path, fullPage: true });
      return { path: command.path };
    case "download": {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click(command.selector),
      ]);
      await download.saveAs(command.path);
      return { path: command.path, filename: download.suggestedFilename() };
    }
    case "cookies":
      return { cookies: await context.cookies() };
    case "add_cookies":
      await context.addCookies(command.cookies);
      return {};
    case "clear_cookies":
      await context.clearCookies();
      return {};
    default:
      throw new Error(`unknown op ${command.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
process.stdout.write(JSON.stringify({ ready: true, version: browser.version() }) + "\n");
for await (const line of lines) {
  if (!line.trim()) continue;
  const command = JSON.parse(line);
  if (command.op === "close") break;
  try {
    process.stdout.write(JSON.stringify({ ok: true, ...(await run(command)) }) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.message || error) }) + "\n");
  }
}
await browser.close();
// stdin may still be open: leave now rather than wait for it to end.
process.exit(0);
