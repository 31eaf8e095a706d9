import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { RequestBodyError } from '../errors.ts';

/** The body formats the simulator speaks, chosen per request by `Accept` (answers) and `Content-Type` (bodies). */
export type SimFormat = 'json' | 'xml';

/** An answer body in document order; `SubAccount` may be a list (repeated elements in XML). */
export type SimAnswer = Readonly<
  Record<string, string | Readonly<Record<string, string>> | readonly Readonly<Record<string, string>>[]>
>;

/** The declaration Cloopen's XML answers start with, as in every sample of the documents. */
export const XML_ANSWER_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

const builder = new XMLBuilder({ format: false, processEntities: true, suppressEmptyNode: false });

/** Encodes an answer: compact JSON, or `<Response>` with escaped children after the XML declaration. */
export function encodeAnswer(format: SimFormat, answer: SimAnswer): string {
  if (format === 'json') return JSON.stringify(answer);
  const element: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(answer)) {
    // An empty list is no element at all in XML.
    if (Array.isArray(value) && value.length === 0) continue;
    element[key] = value;
  }
  return `${XML_ANSWER_DECLARATION}${builder.build({ Response: element })}`;
}

/** `Content-Type` of answers. */
export function answerContentType(format: SimFormat): string {
  return format === 'xml' ? 'application/xml;charset=utf-8' : 'application/json;charset=utf-8';
}

/**
 * The format an `Accept` / `Content-Type` value names (the first JSON or XML type of a list) and whether
 * it carries `charset=utf-8`.
 */
export function mediaFormat(header: string | undefined): { format?: SimFormat; utf8: boolean } {
  if (header === undefined) return { utf8: false };
  for (const range of header.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const utf8 = params.some((p) => p.replace(/\s+/g, '') === 'charset=utf-8');
    if (type === 'application/json') return { format: 'json', utf8 };
    if (type === 'application/xml') return { format: 'xml', utf8 };
  }
  return { utf8: false };
}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a request body into string fields. JSON must be an object of strings (official SDKs send
 * numbers as strings); XML must be a `<SubAccount>` root with one text element per field.
 */
export function parseRequestBody(format: SimFormat, body: string): Record<string, string> {
  let root: unknown;
  if (format === 'json') {
    try {
      root = JSON.parse(body);
    } catch {
      throw new RequestBodyError('body is not valid JSON');
    }
    if (!isRecord(root)) throw new RequestBodyError('JSON body is not an object');
  } else {
    if (XMLValidator.validate(body) !== true) throw new RequestBodyError('body is not well-formed XML');
    let parsed: unknown;
    try {
      parsed = parser.parse(body);
    } catch {
      throw new RequestBodyError('body could not be parsed as XML');
    }
    if (!isRecord(parsed) || Object.keys(parsed).length !== 1) {
      throw new RequestBodyError('XML body must have exactly one root element');
    }
    if (!('SubAccount' in parsed)) throw new RequestBodyError('XML root element must be <SubAccount>');
    root = parsed.SubAccount === '' ? {} : parsed.SubAccount;
    if (!isRecord(root)) throw new RequestBodyError('<SubAccount> must contain field elements');
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(root)) {
    if (key === '#text') {
      if (typeof value === 'string' && value.trim() === '') continue;
      throw new RequestBodyError('<SubAccount> must not contain bare text');
    }
    if (typeof value !== 'string') throw new RequestBodyError(`field ${key} must be a string`);
    fields[key] = value;
  }
  return fields;
}
