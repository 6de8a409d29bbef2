// The therapist's tour of the dashboard in headless Chromium, as a person
// would take it: asks for a page without a login and lands on the form,
// logs in, watches the live board while the stations' sets play, opens a
// patient's session (the report), plays a set's video and steps to its
// first flag. Screenshots go to OUT_DIR; what was seen is printed as JSON
// for the test that runs it (tests/dashboard.rs).
//
// usage: node tools/dashboard_tour.mjs BASE_URL NAME PASSWORD OUT_DIR STATIONS
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const puppeteer = require(path.join(root, ".cache/npm-dashboard/node_modules/puppeteer-core"));

const [base, name, password, out, stationCount] = process.argv.slice(2);
const stations = Number(stationCount);
const seen = {};
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });

  // Without a login: the form.
  await page.goto(`${base}/patients`);
  seen.without_login = new URL(page.url()).pathname;
  await page.screenshot({ path: path.join(out, "dashboard-login.png") });

  // Logged in: the live board.
  await page.type("#name", name);
  await page.type("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  seen.after_login = new URL(page.url()).pathname;

  // The board while the sets play: every station recording, then a change
  // in the rows (reps counted, a flag raised) pushed by the server.
  // Each row as its cells' texts; the health cell (fps, drops) left out,
  // so that a change is a change in the set: reps counted, a flag raised.
  const rows = () =>
    page.$$eval("#stations tr[data-station]", (trs) =>
      trs.map((tr) => [...tr.cells].slice(0, 7).map((td) => td.innerText.trim()).join(" | ")),
    );
  const deadline = Date.now() + 60000;
  let first = await rows();
  while (
    Date.now() < deadline &&
    (first.length < stations || first.filter((r) => r.includes("recording")).length < stations)
  ) {
    await wait(250);
    first = await rows();
  }
  seen.board_first = first;
  // Each station's row changes while its set plays.
  const changed = new Map();
  while (Date.now() < deadline + 30000 && changed.size < first.length) {
    await wait(250);
    (await rows()).forEach((row, i) => {
      if (row !== first[i] && !changed.has(i)) changed.set(i, row);
    });
  }
  seen.board_changed = first.map((_, i) => changed.get(i) ?? null);
  seen.board_note = await page.$eval("#updated", (p) => p.textContent);
  // A moment with a flag up, if one comes while the sets play.
  const flagDeadline = Date.now() + 25000;
  while (Date.now() < flagDeadline && !(await page.$("#stations .flag"))) await wait(200);
  seen.board_flag = await page.$$eval("#stations .flag", (f) => f.map((x) => x.textContent));
  await page.screenshot({ path: path.join(out, "dashboard-board.png") });

  // Wait for the sessions to end, then a patient and their session.
  const endDeadline = Date.now() + 60000;
  while (Date.now() < endDeadline && (await rows()).filter((r) => r.includes("session ended")).length < stations)
    await wait(500);
  await Promise.all([page.waitForNavigation(), page.click("header a[href='/patients']")]);
  seen.patients = await page.$$eval("main tbody tr", (trs) => trs.map((tr) => tr.innerText.split("\t")[0]));
  await Promise.all([page.waitForNavigation(), page.click("main tbody tr a")]);
  await Promise.all([page.waitForNavigation(), page.click("main tbody tr a")]);
  seen.session_plots = await page.$$eval("svg", (s) => s.length);
  seen.session_title = await page.title();
  await page.screenshot({ path: path.join(out, "dashboard-session.png") });

  // A set: the video plays, the next-flag button jumps to the first flag.
  await Promise.all([page.waitForNavigation(), page.click("nav a[href^='/sets/']")]);
  await page.waitForFunction(() => document.getElementById("video").readyState >= 1, { timeout: 120000 });
  seen.video_duration_s = await page.$eval("#video", (v) => v.duration);
  await page.$eval("#video", (v) => v.play());
  await wait(1500);
  seen.played_to_s = await page.$eval("#video", (v) => v.currentTime);
  await page.$eval("#video", (v) => {
    v.pause();
    v.currentTime = 0;
  });
  seen.flag_starts_s = await page.$$eval("button.jump", (b) => b.map((x) => parseFloat(x.dataset.start)));
  await page.click("#next");
  await page.waitForFunction(() => !document.getElementById("video").seeking, { timeout: 10000 });
  await wait(500);
  seen.jumped_to_s = await page.$eval("#video", (v) => v.currentTime);
  seen.timeline_spans = await page.$$eval("#timeline .span", (s) => s.filter((x) => x.style.left !== "").length);
  await page.screenshot({ path: path.join(out, "dashboard-set.png") });
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
