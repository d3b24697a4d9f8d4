// The real sentry-cli (npm @sentry/cli) against faultline (node:test): every command the
// issue names runs with the usual SENTRY_* environment, must exit 0, and its effect is then
// checked through /api/0/. The commands and what they send:
//   info                   GET  /api/0/
//   projects list          GET  /api/0/organizations/{org}/projects/?cursor=
//   send-event, -envelope  POST /api/{project_id}/envelope/ (DSN auth)
//   releases new V         POST /api/0/organizations/{org}/releases/ {version, projects, dateStarted}
//   releases list          GET  /api/0/projects/{org}/{project}/releases/
//   releases finalize V    PUT  /api/0/organizations/{org}/releases/V/ {projects, dateReleased}
//   issues list            GET  /api/0/projects/{org}/{project}/issues/?query=&cursor=
//   issues resolve|mute|unresolve -i ID
//                          PUT  /api/0/projects/{org}/{project}/issues/?id=ID {status, snoozeDuration}

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";

import { REPO_ROOT, apiGet, bootstrap, entry, getEvent, getIssue, startServer, stopServer } from "./harness.mjs";

const CLI_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 120_000;
const SENTRY_CLI = path.join(REPO_ROOT, "tests/node/node_modules/.bin/sentry-cli");
const EVENT_ID_RE = /Event id: ([0-9a-f-]{32,36})/;

let server;
let project;
let home;

before(async () => {
  server = await startServer();
  project = bootstrap(server, "cli");
  // An empty HOME, so no ~/.sentryclirc of the machine leaks into the run.
  home = mkdtempSync(path.join(os.tmpdir(), "faultline-sentry-cli-"));
});

after(async () => {
  if (server) await stopServer(server);
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Runs sentry-cli with the project's SENTRY_* environment; rejects unless it exits 0. */
async function sentryCli(...args) {
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    SENTRY_URL: project.url,
    SENTRY_AUTH_TOKEN: project.token,
    SENTRY_ORG: project.org,
    SENTRY_PROJECT: project.project,
    SENTRY_DSN: project.dsn,
    SENTRY_DISABLE_UPDATE_CHECK: "1",
  };
  try {
    const { stdout } = await promisify(execFile)(SENTRY_CLI, args, { env, timeout: CLI_TIMEOUT_MS });
    return stdout;
  } catch (err) {
    throw new Error(`sentry-cli ${args.join(" ")} failed: ${err.message}\n${err.stdout}\n${err.stderr}`);
  }
}

/** GETs an API path and returns its JSON, failing on any status but 200. */
async function apiJson(apiPath) {
  const { status, body } = await apiGet(project, apiPath);
  assert.equal(status, 200, `GET ${apiPath}: ${body}`);
  return JSON.parse(body);
}

/** Sends a message event with send-event and returns the event as the API shows it. */
async function sendEvent(message) {
  const out = await sentryCli("send-event", "-m", message);
  const match = EVENT_ID_RE.exec(out);
  assert.ok(match, `no event id in: ${out}`);
  return getEvent(project, match[1].replaceAll("-", ""));
}

test("info shows the token's user and scopes from GET /api/0/", { timeout: TEST_TIMEOUT_MS }, async () => {
  const out = await sentryCli("info");
  const root = await apiJson("/api/0/");
  assert.equal(root.version, "0");
  assert.ok(root.auth.scopes.includes("project:releases"), JSON.stringify(root));
  assert.equal(typeof root.user.id, "string");
  assert.match(out, /Method: Auth Token/);
  assert.ok(out.includes(`User: ${root.user.email}`), out);
  for (const scope of root.auth.scopes) assert.ok(out.includes(`- ${scope}`), out);

  const anonymous = await fetch(`${project.url}/api/0/`);
  assert.equal(anonymous.status, 200);
  assert.deepEqual(await anonymous.json(), { version: "0", auth: null, user: null });
  const rejected = await fetch(`${project.url}/api/0/`, { headers: { Authorization: "Bearer not-a-token" } });
  assert.equal(rejected.status, 401);
});

test("projects list shows the organization's projects", { timeout: TEST_TIMEOUT_MS }, async () => {
  const out = await sentryCli("projects", "list");
  const projects = await apiJson(`/api/0/organizations/${project.org}/projects/`);
  const mine = projects.find((p) => p.slug === project.project);
  assert.ok(mine, JSON.stringify(projects));
  assert.equal(mine.id, project.project_id);
  assert.match(out, new RegExp(`\\|\\s*${mine.id}\\s*\\|\\s*${project.project}\\s*\\|`));
});

test("send-event stores a message event", { timeout: TEST_TIMEOUT_MS }, async () => {
  const event = await sendEvent("hello from sentry-cli");
  assert.equal(event.message, "hello from sentry-cli");
  assert.equal(entry(event, "message").formatted, "hello from sentry-cli");
  assert.equal(event.projectID, project.project_id);
  assert.ok(event.groupID, "the event was filed into an issue");
});

test("send-envelope stores the envelope's event", { timeout: TEST_TIMEOUT_MS }, async () => {
  const eventId = "9ec79c33ec9942ab8353589fcb2e04dc";
  const file = path.join(home, "event.envelope");
  const item = JSON.stringify({ event_id: eventId, message: "envelope from sentry-cli", level: "warning" });
  writeFileSync(file, `{"event_id":"${eventId}"}\n{"type":"event"}\n${item}\n`);
  const out = await sentryCli("send-envelope", file);
  assert.match(out, /dispatched/);
  const event = await getEvent(project, eventId);
  assert.equal(event.message, "envelope from sentry-cli");
  assert.ok(event.tags.some((t) => t.key === "level" && t.value === "warning"), JSON.stringify(event.tags));
});

test("releases new, list and finalize", { timeout: TEST_TIMEOUT_MS }, async () => {
  const version = "cli-app@1.4.0";
  const releasePath = `/api/0/organizations/${project.org}/releases/${encodeURIComponent(version)}/`;
  assert.match(await sentryCli("releases", "new", version), /Created release/);
  const created = await apiJson(releasePath);
  assert.equal(created.version, version);
  assert.equal(created.dateReleased, null);
  assert.ok(created.projects.some((p) => p.slug === project.project), JSON.stringify(created.projects));

  const listed = await sentryCli("releases", "list");
  assert.ok(listed.includes(version), listed);
  assert.match(listed, /\(unreleased\)/);

  assert.match(await sentryCli("releases", "finalize", version), /Finalized release/);
  const finalized = await apiJson(releasePath);
  assert.ok(!Number.isNaN(Date.parse(finalized.dateReleased)), JSON.stringify(finalized));
});

test("issues list shows the project's unresolved issues", { timeout: TEST_TIMEOUT_MS }, async () => {
  const event = await sendEvent("an issue for sentry-cli to list");
  const listed = await sentryCli("issues", "list");
  assert.match(listed, new RegExp(`\\|\\s*${event.groupID}\\s*\\|`));
});

// sentry-cli sends the bulk issue update: PUT /api/0/projects/{org}/{project}/issues/?id=ID.
test(
  "issues resolve, mute and unresolve",
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    const event = await sendEvent("an issue for sentry-cli to triage");
    const issueId = event.groupID;
    assert.match(await sentryCli("issues", "resolve", "-i", issueId), /new status: resolved/);
    assert.equal((await getIssue(project, issueId)).status, "resolved");
    // Sentry's API calls a muted issue "ignored".
    assert.match(await sentryCli("issues", "mute", "-i", issueId), /new status: muted/);
    assert.equal((await getIssue(project, issueId)).status, "ignored");
    assert.match(await sentryCli("issues", "unresolve", "-i", issueId), /new status: unresolved/);
    assert.equal((await getIssue(project, issueId)).status, "unresolved");
  },
);
