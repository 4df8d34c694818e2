/**
 * Text and attribute values for the JUnit reports: XML 1.0 cannot hold most control characters
 * (not even as references), so each becomes U+FFFD; CR LF and lone CR become LF, as an XML parser
 * would read them anyway.
 */

/** Characters XML 1.0 cannot carry at all (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/F). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/\r\n?/g, '\n');
}

/**
 * Attribute values: a parser turns a raw tab or line break in an attribute into a space, and
 * the serializer does not write them as character references, so do it here, visibly.
 */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/[\t\n]+/g, ' ');
}
