/*
 * jsonld_rdf.mjs — reads a JSON-LD document with jsonld.js (a conforming JSON-LD 1.1 processor)
 * and prints its RDF as N-Quads on stdout. "safe" mode: anything the processor would drop
 * (an undefined term, a relative IRI, a malformed value) is an error, exit status 1.
 * usage: node jsonld_rdf.mjs FILE
 */
import fs from 'node:fs';

let jsonld;
try {
  ({ default: jsonld } = await import('jsonld'));
} catch (e) {
  console.error('jsonld is not installed in tests/catalog/node_modules: run `npm ci` in ' +
                `tests/catalog (scripts/deps does it). ${e.message}`);
  process.exit(2);
}
try {
  const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  process.stdout.write(await jsonld.toRDF(doc, { format: 'application/n-quads', safe: true }));
} catch (e) {
  const details = e.details ? ` ${JSON.stringify(e.details).slice(0, 400)}` : '';
  console.error(`JSON-LD error: ${e.name}: ${e.message}${details}`);
  process.exit(1);
}
