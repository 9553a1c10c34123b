// Each medium's escaping, in one place. Log-derived text is hostile: it may carry terminal escapes, HTML,
// markdown, spreadsheet formulae, characters XML forbids, and megabytes where a cell expects a word.

import {clip, scrub} from '../core/text/scrub.js'

/** Control characters made visible (ESC → \x1b), newlines and tabs too: one line of plain text. */
export const plain = (s: string): string => scrub(s, true)

/** For tables and headings: plain, and cut to `max` characters (the JSON and CSV reports keep it whole). */
export const cell = (s: string, max = 300): string => clip(plain(s), max)

const HTML: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;'}
/** HTML text and attribute values (always quoted with "). */
export const escapeHtml = (s: string): string => plain(s).replace(/[&<>"'`]/g, (c) => HTML[c]!)

/**
 * Markdown inline text: HTML made inert as entities; the punctuation that opens code, emphasis, links or
 * strikethrough, and pipes (table cells), backslash-escaped. `block`: the text starts a line, so a block
 * marker there (# - + = 1.) is escaped too.
 */
export const escapeMarkdown = (s: string, block = false): string => {
  const out = plain(s)
    .replace(/[&<>]/g, (c) => HTML[c]!)
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
  return block ? out.replace(/^(\s*)([#+\-=])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2') : out
}

// XML 1.0 (§2.2): Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// scrub() has already shown C0/C1 controls as text; what is left to strip are lone surrogates and FFFE/FFFF.
const XML_FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const XML: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'}
/** XML text and attribute values; `multiline` keeps newlines (element bodies). */
export const escapeXml = (s: string, multiline = false): string =>
  (multiline ? s.split('\n').map((l) => scrub(l, true)).join('\n') : plain(s)).replace(XML_FORBIDDEN, '\ufffd').replace(/[&<>"']/g, (c) => XML[c]!)
