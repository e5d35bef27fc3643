/* global module */
// autocannon's `setupClient` for bench/admission.ts, loaded by path in its worker thread (workers
// mode takes hooks as CommonJS files). Every connection starts a shared `requests` list at its
// first entry, so without this all 50 connections would send the same user's request at the same
// moment and queue on that user's admission lock — measuring one user's serialised admissions,
// not the gateway's. Here connection c cycles through its own slice of the users (c, c + N, …).
'use strict';

const requests = JSON.parse(process.env.PIXELGATE_BENCH_REQUESTS ?? '[]');
const connections = Number(process.env.PIXELGATE_BENCH_CONNECTIONS ?? '1');
let nextConnection = 0;

module.exports = function setupClient(client) {
  const connection = nextConnection++ % connections;
  client.setRequests(requests.filter((_, index) => index % connections === connection));
};
