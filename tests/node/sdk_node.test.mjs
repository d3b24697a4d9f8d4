// The real @sentry/node SDK against faultline (node:test), read back through /api/0/.
// The SDK sends through a recording proxy, so the large-event test also checks that the Node
// transport really gzipped the body and streamed it chunked (no Content-Length).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as Sentry from "@sentry/node";

import {
  bootstrap,
  entry,
  getEvent,
  getIssue,
  startRecordingProxy,
  startServer,
  stopServer,
  tagValue,
} from "./harness.mjs";

const FLUSH_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = 60_000;
// The Node transport gzips bodies larger than 32 KiB.
const GZIP_THRESHOLD_BYTES = 32 * 1024;

let server;
let project;
let proxy;

before(async () => {
  server = await startServer();
  project = bootstrap(server, "node");
  proxy = await startRecordingProxy(server.port);
  Sentry.init({
    dsn: proxy.dsnFor(project),
    release: "shop-node@2.0.1",
    environment: "production",
    sendClientReports: false,
    // Only what the tests capture is sent: no console/http breadcrumbs, no global handlers.
    defaultIntegrations: false,
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.contextLinesIntegration(), Sentry.nodeContextIntegration()],
  });
});

after(async () => {
  await Sentry.close(FLUSH_TIMEOUT_MS);
  await proxy?.close();
  if (server) assert.equal(await stopServer(server), 0, "faultline exits 0 after SIGTERM");
});

async function flush() {
  assert.equal(await Sentry.flush(FLUSH_TIMEOUT_MS), true, "the SDK flushed its queue");
}

function failCheckout() {
  throw new Error("node checkout failed");
}

function failQuantity() {
  throw new RangeError("quantity out of range");
}

function captureThrown(fn) {
  try {
    fn();
  } catch (err) {
    return Sentry.captureException(err);
  }
  throw new Error(`${fn.name} did not throw`);
}

test("a handled exception is stored with its stack trace", { timeout: TEST_TIMEOUT_MS }, async () => {
  const eventId = captureThrown(failCheckout);
  await flush();
  const event = await getEvent(project, eventId);
  assert.equal(event.eventID, eventId);
  assert.equal(event.title, "Error: node checkout failed");
  assert.equal(event.platform, "node");
  assert.match(event.culprit, /failCheckout/);
  const [exception] = entry(event, "exception").values;
  assert.equal(exception.type, "Error");
  assert.equal(exception.value, "node checkout failed");
  const top = exception.stacktrace.frames.at(-1);
  assert.equal(top.function, "failCheckout");
  assert.equal(top.inApp, true);
  assert.match(top.filename, /sdk_node\.test\.mjs$/);
  assert.equal(event.release.version, "shop-node@2.0.1");
  assert.equal(tagValue(event, "environment"), "production");
});

test("a message is stored with its level", { timeout: TEST_TIMEOUT_MS }, async () => {
  const eventId = Sentry.captureMessage("node inventory is low", "warning");
  await flush();
  const event = await getEvent(project, eventId);
  // @sentry/node attaches a synthetic exception to messages; the text is the event's message.
  assert.equal(event.message, "node inventory is low");
  assert.equal(event.level ?? tagValue(event, "level"), "warning");
  assert.equal(entry(event, "message").formatted, "node inventory is low");
});

test("an error with a cause is stored as a chain, oldest first", { timeout: TEST_TIMEOUT_MS }, async () => {
  const eventId = Sentry.captureException(new Error("payment failed", { cause: new TypeError("card is undefined") }));
  await flush();
  const event = await getEvent(project, eventId);
  assert.equal(event.title, "Error: payment failed");
  const values = entry(event, "exception").values.map((v) => [v.type, v.value]);
  assert.deepEqual(values, [
    ["TypeError", "card is undefined"],
    ["Error", "payment failed"],
  ]);
});

test("tags, user and breadcrumbs travel with the event", { timeout: TEST_TIMEOUT_MS }, async () => {
  const eventId = Sentry.withScope((scope) => {
    scope.setTag("region", "eu-west");
    scope.setUser({ id: "7", email: "sam@example.com", username: "sam" });
    scope.addBreadcrumb({ category: "http", message: "GET /cart", level: "info" });
    scope.addBreadcrumb({ category: "ui.click", message: "button#pay" });
    return Sentry.captureMessage("node scoped message");
  });
  await flush();
  const event = await getEvent(project, eventId);
  assert.equal(tagValue(event, "region"), "eu-west");
  assert.deepEqual([event.user.id, event.user.email, event.user.username], ["7", "sam@example.com", "sam"]);
  const crumbs = entry(event, "breadcrumbs").values.map((c) => [c.category, c.message]);
  assert.deepEqual(crumbs, [
    ["http", "GET /cart"],
    ["ui.click", "button#pay"],
  ]);
});

test("the same error twice is one issue counted twice", { timeout: TEST_TIMEOUT_MS }, async () => {
  const ids = [];
  for (let i = 0; i < 2; i++) ids.push(captureThrown(failQuantity));
  await flush();
  const [first, second] = await Promise.all(ids.map((id) => getEvent(project, id)));
  assert.equal(first.groupID, second.groupID);
  const issue = await getIssue(project, first.groupID);
  assert.equal(issue.count, "2");
  assert.equal(issue.title, "RangeError: quantity out of range");
});

test("a large event is sent gzipped and chunked", { timeout: TEST_TIMEOUT_MS }, async () => {
  const blob = "x".repeat(GZIP_THRESHOLD_BYTES + 8 * 1024);
  const before = proxy.requestHeads().length;
  const eventId = Sentry.withScope((scope) => {
    scope.setExtra("blob", blob);
    return Sentry.captureMessage("node large event");
  });
  await flush();
  const heads = proxy.requestHeads();
  assert.equal(heads.length, before + 1, "one more request went through the proxy");
  const gzipped = heads.filter((h) => h.headers["content-encoding"] === "gzip");
  assert.equal(gzipped.length, 1, JSON.stringify(heads.map((h) => h.headers)));
  assert.equal(gzipped[0].headers["transfer-encoding"], "chunked");
  assert.equal(gzipped[0].headers["content-length"], undefined);
  assert.match(gzipped[0].target, new RegExp(`^/api/${project.project_id}/envelope/\\?.*sentry_key=${project.key}`));

  const event = await getEvent(project, eventId);
  assert.equal(event.message, "node large event");
  assert.equal(event.context.blob, blob);
});
