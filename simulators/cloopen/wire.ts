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

/** What one `Accept` or `Content-Type` value names: its format, and its `charset` when it has one. */
export interface MediaType {
  readonly format: SimFormat;
  /** The `charset` parameter, lower-cased and unquoted; `undefined` when absent. */
  readonly charset: string | undefined;
}

/**
 * Reads an `Accept` or `Content-Type` value strictly: exactly one of the two media types the introduction
 * document lists (`application/json`, `application/xml`), parameters allowed, at most one `charset`.
 * `undefined` for anything else, a list of several types included: the document gives each header one
 * value ("application/xml、application/json" are alternatives), and a list would leave the answer's
 * format to a guess.
 */
export function mediaType(header: string | undefined): MediaType | undefined {
  if (header === undefined || header.includes(',')) return undefined;
  const [type = '', ...params] = header.split(';').map((part) => part.trim());
  const format =
    type.toLowerCase() === 'application/json'
      ? 'json'
      : type.toLowerCase() === 'application/xml'
        ? 'xml'
        : undefined;
  if (format === undefined) return undefined;
  const charsets: string[] = [];
  for (const param of params) {
    // The documents' samples end the header with `;`: an empty parameter is no parameter.
    if (param === '') continue;
    const equals = param.indexOf('=');
    if (equals <= 0) return undefined;
    if (param.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    charsets.push(
      param
        .slice(equals + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase(),
    );
  }
  if (charsets.length > 1) return undefined;
  return { format, charset: charsets[0] };
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
