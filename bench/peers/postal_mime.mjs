// Bench peer: `postal-mime` (PostalMime.parse, default options) on every file of a corpus.
//
// usage: node postal_mime.mjs DIR
//
// Sequentially, for every regular file under DIR: read it from disk, await PostalMime.parse(buffer),
// and read the participant addresses, ids, subject, bodies and attachment count. postal-mime
// decodes every part (text, html, attachments as ArrayBuffers).
// A message it rejects is counted, not fatal. Prints one summary line.
import { readFileSync } from 'node:fs';

import { corpusFiles } from './corpus_files.mjs';
import { loadPeer } from './resolve.mjs';

if (process.argv.length !== 3) {
  console.error('usage: node postal_mime.mjs DIR');
  process.exit(2);
}
const { module: postalMime, version } = await loadPeer('postal-mime');
const PostalMime = postalMime.default;

const addressText = (a) => (a ? (a.address || '').length + (a.name || '').length : 0);
let files = 0, attachments = 0, errors = 0, sink = 0;
for (const path of corpusFiles(process.argv[2])) {
  const raw = readFileSync(path);
  try {
    const email = await PostalMime.parse(raw);
    sink += addressText(email.from) + addressText(email.sender);
    for (const list of [email.to, email.cc, email.bcc, email.replyTo]) {
      for (const a of list || []) sink += addressText(a);
    }
    sink += (email.messageId || '').length + (email.subject || '').length;
    sink += (email.text || '').length + (email.html || '').length;
    attachments += email.attachments.length;
  } catch {
    ++errors;
  }
  ++files;
}
console.log(`postal-mime ${version}: ${files} files ${attachments} attachments ${errors} errors (${sink})`);
