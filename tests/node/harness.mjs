// Harness for the @sentry/node end-to-end tests: starts the real faultline binary on a free
// loopback port with a temporary data directory, bootstraps a project, reads events back
// through /api/0/, and taps the SDK's traffic with a recording TCP proxy. Every wait is
// bounded by one of the *_MS constants.

import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const CLI_TIMEOUT_MS = 60_000;
const EVENT_POLL_MS = 10_000;
const LISTENING_RE = /faultline listening on (http:\/\/127\.0\.0\.1:(\d+))/;
const REQUEST_HEAD_RE = /([A-Z]+) (\S+) HTTP\/1\.[01]\r\n([\s\S]*?)\r\n\r\n/g;

/** Returns the binary under test: $FAULTLINE_BIN, relative paths taken from the repo root. */
export function faultlineBin() {
  const bin = path.resolve(REPO_ROOT, process.env.FAULTLINE_BIN || "target/debug/faultline");
  if (!existsSync(bin)) {
    throw new Error(`faultline binary not found at ${bin}: run \`cargo build\` or set FAULTLINE_BIN`);
  }
  return bin;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `faultline serve` and resolves once it listens and /health answers 200. */
export async function startServer() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "faultline-node-"));
  const proc = spawn(faultlineBin(), ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = [];
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  // Both pipes are drained for the whole life of the process, so it never blocks on them.
  readline.createInterface({ input: proc.stderr }).on("line", (line) => log.push(line));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within ${START_TIMEOUT_MS} ms\n${log.join("\n")}`)),
      START_TIMEOUT_MS,
    );
    readline.createInterface({ input: proc.stdout }).on("line", (line) => {
      log.push(line);
      const match = LISTENING_RE.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`faultline exited (${code ?? signal}) before listening\n${log.join("\n")}`));
    });
  });
  const server = { proc, url, port: Number(new URL(url).port), dataDir, log, exited };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`/health did not answer 200\n${log.join("\n")}`);
    await sleep(50);
  }
  return server;
}

/** Sends SIGTERM and resolves to the exit code once the server has drained and exited. */
export async function stopServer(server) {
  server.proc.kill("SIGTERM");
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve("timeout"), STOP_TIMEOUT_MS);
  });
  const result = await Promise.race([server.exited, timeout]);
  clearTimeout(timer); // a pending timer would keep the test process alive
  if (result === "timeout") {
    server.proc.kill("SIGKILL");
    throw new Error(`faultline did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
  }
  rmSync(server.dataDir, { recursive: true, force: true });
  return result.code;
}

/** Runs `faultline bootstrap` for org `acme` and returns `{url, dsn, token, org, project, project_id}`. */
export function bootstrap(server, project) {
  const out = execFileSync(
    faultlineBin(),
    ["bootstrap", "--data-dir", server.dataDir, "--org", "acme", "--project", project, "--url", server.url, "--json"],
    { timeout: CLI_TIMEOUT_MS, encoding: "utf8" },
  );
  const doc = JSON.parse(out);
  return { ...doc, project_id: String(doc.project_id), key: new URL(doc.dsn).username, url: server.url };
}

/** GETs an /api/0/ path with the project's token; resolves to `{status, body}`. */
export async function apiGet(project, apiPath) {
  const resp = await fetch(`${project.url}${apiPath}`, { headers: { Authorization: `Bearer ${project.token}` } });
  const text = await resp.text();
  return { status: resp.status, body: text };
}

/** Resolves to the event as the read API shows it, polling briefly while it answers 404. */
export async function getEvent(project, eventId) {
  const apiPath = `/api/0/projects/${project.org}/${project.project}/events/${eventId}/`;
  const deadline = Date.now() + EVENT_POLL_MS;
  for (;;) {
    const { status, body } = await apiGet(project, apiPath);
    if (status === 200) return JSON.parse(body);
    if (status !== 404) throw new Error(`GET event ${eventId}: HTTP ${status} ${body}`);
    if (Date.now() > deadline) throw new Error(`event ${eventId} not readable after ${EVENT_POLL_MS} ms`);
    await sleep(100);
  }
}

/** Resolves to the issue JSON of `/api/0/organizations/{org}/issues/{id}/`. */
export async function getIssue(project, issueId) {
  const { status, body } = await apiGet(project, `/api/0/organizations/${project.org}/issues/${issueId}/`);
  if (status !== 200) throw new Error(`GET issue ${issueId}: HTTP ${status} ${body}`);
  return JSON.parse(body);
}

/**
 * Starts a loopback TCP forwarder to `port` that records every byte clients send, so a test
 * sees the SDK's real request heads (Content-Encoding, chunked framing) while the server
 * gets the untouched stream.
 */
export async function startRecordingProxy(port) {
  const streams = [];
  const sockets = new Set();
  const listener = net.createServer((client) => {
    const chunks = [];
    streams.push(chunks);
    const upstream = net.connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.on("data", (d) => chunks.push(Buffer.from(d)));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => listener.listen(0, "127.0.0.1", resolve));
  return {
    port: listener.address().port,
    dsnFor(project) {
      return `http://${project.key}@127.0.0.1:${this.port}/${project.project_id}`;
    },
    /** Returns `{method, target, headers}` (lowercase header names) of every request seen. */
    requestHeads() {
      const heads = [];
      for (const chunks of streams) {
        const text = Buffer.concat(chunks).toString("latin1");
        for (const [, method, target, raw] of text.matchAll(REQUEST_HEAD_RE)) {
          const headers = {};
          for (const line of raw.split("\r\n")) {
            const colon = line.indexOf(":");
            if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          }
          heads.push({ method, target, headers });
        }
      }
      return heads;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => listener.close(resolve));
    },
  };
}

/** Returns the `data` of the API event's entry of that type. */
export function entry(event, type) {
  return (event.entries || []).find((e) => e.type === type)?.data;
}

/** Returns the value of tag `key` of an API event. */
export function tagValue(event, key) {
  return (event.tags || []).find((t) => t.key === key)?.value;
}
