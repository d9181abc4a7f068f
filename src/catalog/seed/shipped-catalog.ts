// The catalog shipped with the gateway: the pages in seed/sources, parsed in file-name
// order as successive imports would parse them (each page sees the prefixes before it).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument, type ParsedDocument } from '../importer/parse-document.js';

export async function buildShippedCatalog(dir: string): Promise<ParsedDocument[]> {
  const files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
  const documents: ParsedDocument[] = [];
  const prefixes = new Set<string>();
  for (const file of files) {
    const document = parseDocument(await readFile(path.join(dir, file), 'utf8'), file, { knownPrefixes: prefixes });
    document.services.forEach((s) => prefixes.add(s.prefix));
    documents.push(document);
  }
  return documents;
}

export function serialiseShippedCatalog(documents: ParsedDocument[]): string {
  return `${JSON.stringify(documents, null, 1)}\n`;
}
