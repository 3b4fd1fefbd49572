// Bench peer: nodemailer's `mailparser` (simpleParser, default options) on every file of a corpus.
//
// usage: node mailparser.mjs DIR
//
// Sequentially, for every regular file under DIR: read it from disk, await simpleParser(buffer),
// and read the participant addresses, ids, subject, bodies and attachment count, so nothing is
// lazily skipped. simpleParser decodes every part (text, html, attachments as Buffers, md5 of each
// attachment) and, by default, derives text from html and html from text.
// A message it rejects is counted, not fatal. Prints one summary line.
import { readFileSync } from 'node:fs';

import { corpusFiles } from './corpus_files.mjs';
import { loadPeer } from './resolve.mjs';

if (process.argv.length !== 3) {
  console.error('usage: node mailparser.mjs DIR');
  process.exit(2);
}
const { module: mailparser, version } = await loadPeer('mailparser');
const simpleParser = mailparser.simpleParser || mailparser.default.simpleParser;

let files = 0, attachments = 0, errors = 0, sink = 0;
for (const path of corpusFiles(process.argv[2])) {
  const raw = readFileSync(path);
  try {
    const mail = await simpleParser(raw);
    // An address field is an AddressObject, or an array of them when the header repeats.
    for (const field of [mail.from, mail.to, mail.cc, mail.bcc, mail.replyTo]) {
      for (const obj of [field || []].flat()) {
        for (const a of obj.value || []) sink += (a.address || '').length + (a.name || '').length;
      }
    }
    sink += (mail.messageId || '').length + (mail.subject || '').length;
    sink += (mail.text || '').length + (typeof mail.html === 'string' ? mail.html.length : 0);
    attachments += mail.attachments.length;
  } catch {
    ++errors;
  }
  ++files;
}
console.log(`mailparser ${version}: ${files} files ${attachments} attachments ${errors} errors (${sink})`);
