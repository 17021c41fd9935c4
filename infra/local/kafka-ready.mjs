#!/usr/bin/env node
// Waits until a Kafka broker is really usable: its client port accepts TCP connections AND a
// kafkajs admin describeCluster() answers. Used by infra/local/infra.sh (up, start-kafka, status).
//
//   node infra/local/kafka-ready.mjs [--brokers 127.0.0.1:9092] [--timeout 90] [--pid <broker pid>]
//                                    [--log <file>]... [--quiet]
//
// Exit codes: 0 ready; 1 timed out; 2 the broker process (--pid) exited while we waited. In both
// failure cases the last 40 lines each --log file got since the broker's latest start (infra.sh
// writes a "===== <date> starting ..." marker line into them) are printed to stderr.
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';

const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
    timeout: { type: 'string', default: '90' },
    pid: { type: 'string' },
    log: { type: 'string', multiple: true, default: [] },
    quiet: { type: 'boolean', default: false },
  },
});

const started = Date.now();
const brokers = args.brokers
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);
const timeoutMs = Number(args.timeout) * 1000;
const pid = args.pid === undefined ? undefined : Number(args.pid);
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const say = (msg) => {
  if (!args.quiet) console.log(`[infra] ${msg}`);
};

if (brokers.length === 0 || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
  console.error('[infra] kafka-ready: need --brokers host:port[,...] and a positive --timeout');
  process.exit(64);
}

function alive(p) {
  try {
    process.kill(p, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A zombie still "exists" for kill(0); treat it as dead.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8'));
  } catch {
    return true;
  }
}

// The last `lines` lines of `file` written since infra.sh's latest "===== ... starting" marker.
function tail(file, lines) {
  if (!existsSync(file)) return `(no ${file})`;
  const all = readFileSync(file, 'utf8').trimEnd().split('\n');
  let from = 0;
  all.forEach((line, i) => {
    if (line.startsWith('===== ') && line.includes(' starting ')) from = i + 1;
  });
  const recent = all.slice(from);
  return recent.join('').trim() === ''
    ? '(nothing logged since this start)'
    : recent.slice(-lines).join('\n');
}

function tcpOpen(hostPort) {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(i + 1));
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function describeCluster() {
  const kafka = new Kafka({
    clientId: 'maison-infra-ready',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

let lastError;
for (;;) {
  if (pid !== undefined && !alive(pid)) {
    console.error(
      `[infra] the Kafka broker process ${pid} exited after ${seconds()}s. Last log lines:`,
    );
    for (const file of args.log) {
      console.error(`----- ${file} (last 40 lines) -----\n${tail(file, 40)}`);
    }
    process.exit(2);
  }
  if (!(await tcpOpen(brokers[0]))) {
    lastError = `${brokers[0]} does not accept connections yet`;
  } else {
    try {
      const cluster = await describeCluster();
      if (cluster.brokers.length > 0) {
        say(
          `kafka ready after ${seconds()}s: cluster ${cluster.clusterId}, ` +
            `brokers ${cluster.brokers.map((b) => `${b.host}:${b.port}`).join(',')}, ` +
            `controller ${cluster.controller}`,
        );
        process.exit(0);
      }
      lastError = 'describeCluster() returned no brokers';
    } catch (err) {
      lastError = `describeCluster() failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  if (Date.now() - started >= timeoutMs) {
    console.error(
      `[infra] kafka at ${brokers.join(',')} not ready after ${seconds()}s (${lastError})`,
    );
    for (const file of args.log) {
      if (existsSync(file)) console.error(`----- ${file} (last 40 lines) -----\n${tail(file, 40)}`);
    }
    process.exit(1);
  }
  await sleep(500);
}
