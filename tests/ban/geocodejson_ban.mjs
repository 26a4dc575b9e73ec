/*
 * geocodejson_ban.mjs — the npm BAN client @p-j/geocodejson-ban (pinned in package-lock.json,
 * installed by scripts/deps) makes its real calls, answered by geodir-api on a loopback port.
 *
 * The client has its base URL written in (https://api-adresse.data.gouv.fr/search): its HTTP
 * library (cross-fetch → node-fetch) is left as it is, and only Node's https.request is pointed
 * at http://127.0.0.1:PORT/api<path>, the way a DNS entry and a TLS proxy would point it at a
 * geodir server. Every request the client sends is recorded with its answer's status.
 *
 * Prints one JSON document: {"requests": [{"path", "status"}], "calls": {name: answer}}, where
 * each answer is the client's own result (geocode()) and its parse() to GeocodeJSON. The
 * client has no reverse function: /reverse/ is asked with the client's HTTP library and read by
 * its parse().
 * usage: node geocodejson_ban.mjs PORT
 */
import http from 'node:http';
import https from 'node:https';

const port = Number(process.argv[2]);
const requests = [];

https.request = (options, callback) => {
  if (options.hostname !== 'api-adresse.data.gouv.fr') {
    throw new Error(`the client asked for an unexpected host: ${options.hostname}`);
  }
  const entry = { path: options.path, status: null };
  requests.push(entry);
  const req = http.request({ ...options, protocol: 'http:', hostname: '127.0.0.1',
                             host: '127.0.0.1', port, path: `/api${options.path}`,
                             agent: undefined }, callback);
  req.on('response', (res) => { entry.status = res.statusCode; });
  return req;
};

let client;
try {
  client = await import('@p-j/geocodejson-ban');
} catch (e) {
  console.error('@p-j/geocodejson-ban is not installed in tests/ban/node_modules: run `npm ci` ' +
                `in tests/ban (scripts/deps does it). ${e.message}`);
  process.exit(2);
}
const { geocode, parse, getFetchArgs } = client.default ?? client;

const calls = {};
async function call(name, params) {
  const raw = await geocode(params);
  calls[name] = { params, url: getFetchArgs({ ...params, q: params.address || params.q }).url,
                  raw, parsed: parse(raw) };
}

try {
  // The README's call: `address` (the common parameter of the GeocodeJSON clients) and limit.
  await call('address', { address: '8 grande rue vaubecourt', limit: 1 });
  // The BAN filters, autocomplete off.
  await call('filters', { q: "rue de l'eglise", type: 'street', postcode: '55260',
                          autocomplete: 0, limit: 5 });
  // A point and a citycode, with address and q both (address supersedes q).
  await call('point', { address: "1 rue de l'eglise", q: 'ignored', lat: 48.98, lon: 5.19,
                        citycode: '55040' });
  // The GeocodeOptions the client declares besides address: apiKey, language.
  await call('options', { address: '3 chemin du moulin beausite', apiKey: 'none',
                          language: 'fr' });
  // The client has no reverse function: a reverse call made with its own HTTP library
  // (cross-fetch) and BAN base URL, read by its parse().
  const { default: fetch } = await import('cross-fetch');
  const url = 'https://api-adresse.data.gouv.fr/reverse/?lon=5.113&lat=48.9298&address=x&limit=2';
  const raw = await (await fetch(url)).json();
  calls.reverse = { params: {}, url, raw, parsed: parse(raw) };
} catch (e) {
  console.error(`the client failed: ${e.stack || e}`);
  process.exit(1);
}
process.stdout.write(JSON.stringify({ requests, calls }));
