/**
 * For the conformance spec: the official OFREP OpenAPI documents (vendored in spec/vendor/ofrep, see its README)
 * as a real JSON Schema 2020-12 validator (Ajv with formats), so a spec can check any response of
 * an OFREP route, and any event of an OFREP stream, against the schema the document gives for it.
 */
import { readFileSync } from 'node:fs';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** The OFREP evaluation paths, as the document names them. */
export type OfrepPath = '/ofrep/v1/evaluate/flags' | '/ofrep/v1/evaluate/flags/{key}';

/** A response as received: status, headers and the body text. */
export interface ReceivedResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** The fields of one SSE event as received (`retry` as a number); comment lines are not events. */
export interface ReceivedEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
}

/** The base URIs of the two documents; `event-streams.yaml` refers to `openapi.yaml` relatively. */
const BASE = 'https://github.com/open-feature/protocol/blob/d1a63a4e84e6297599ce566126e7764c1419f80a/service/';
const OPENAPI = `${BASE}openapi.yaml`;
const EVENT_STREAMS = `${BASE}event-streams.yaml`;

type Json = Record<string, any>;

/** A vendored document, parsed. */
export function vendored(name: 'openapi.yaml' | 'event-streams.yaml'): Json {
  return parse(readFileSync(new URL(`../vendor/ofrep/${name}`, import.meta.url), 'utf8')) as Json;
}

/**
 * Repairs of the document's schema defects: the one place they are made, each narrowed to what the
 * document's own text says, so that nothing the text forbids becomes valid.
 */
export function repairOfrepSchemas(openapi: Json): Json {
  const schemas = openapi.components.schemas;
  // 1. `codeDefaultFlag` is `{type: object, properties: {}}`, which every item matches, so the
  //    `oneOf` of value kinds in `evaluationSuccess` fails for every item that carries a value.
  //    Its description: "This schema has no `value` property". Say so.
  schemas.codeDefaultFlag.not = { required: ['value'] };
  // 2. An integer is a `number` too, so it matches both `integerFlag` and `floatFlag` and that
  //    `oneOf` fails for every integer value. A float value is a number that is not an integer.
  schemas.floatFlag.properties.value.not = { type: 'integer' };
  // 3. The reason enum lacks `DEFAULT` (rules exist, none matched), which the local server keeps on
  //    purpose: OpenFeature's standard reason, sent by flagd, used by the protocol's ADR-0006 example.
  //    One value is added; every other reason still fails.
  const reason = schemas.evaluationSuccess.allOf[0].properties.reason;
  reason.enum = [...reason.enum, 'DEFAULT'];
  // 4. The single route's 429 `Retry-After` schema allows only a date-time, while its description
  //    ("either a date-time string or a number of seconds") and the bulk route's schema allow both.
  const single = openapi.paths['/ofrep/v1/evaluate/flags/{key}'].post.responses['429'].headers['Retry-After'];
  single.schema = openapi.paths['/ofrep/v1/evaluate/flags'].post.responses['429'].headers['Retry-After'].schema;
  return openapi;
}

/** A JSON pointer fragment of these path segments. */
function pointer(...segments: string[]): string {
  return `#/${segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

function describe(errors: readonly ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? e.keyword} (${e.schemaPath})`);
}

/** The validator: the repaired documents compiled once. */
export class OfrepOpenApi {
  readonly document: Json = repairOfrepSchemas(vendored('openapi.yaml'));
  readonly eventStreams: Json = vendored('event-streams.yaml');
  /**
   * Strict about keywords and formats; not about two schema-writing lints that flag idioms the
   * document uses on purpose (`not: {required: [...]}` for "exactly one of", and subschemas that
   * leave `type` to their parent). Neither changes what validates.
   */
  readonly #ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });

  constructor() {
    addFormats(this.#ajv);
    // OpenAPI 3.1's schema dialect adds these annotation keywords to JSON Schema 2020-12.
    this.#ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
    // OpenAPI's format registry: `float` is a number (JSON has no narrower float to check).
    this.#ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
    // The members of an OpenAPI document around its schemas, so that each document is one schema
    // resource and its `#/components/…` and `openapi.yaml#/…` references resolve as written.
    this.#ajv.addVocabulary(['openapi', 'servers', 'info', 'security', 'tags', 'paths', 'components']);
    this.#ajv.addSchema(this.document, OPENAPI);
    this.#ajv.addSchema(this.eventStreams, EVENT_STREAMS);
  }

  /** Errors of a value against the schema at `ref` (a URI with a JSON pointer fragment); empty when valid. */
  errorsAt(ref: string, value: unknown, where = ''): string[] {
    const validate = this.#ajv.getSchema(ref);
    if (validate === undefined) return [`no schema at ${ref}`];
    return validate(value) ? [] : describe(validate.errors, where);
  }

  /** Errors of a value against `components.schemas[name]`. */
  schemaErrors(name: string, value: unknown): string[] {
    return this.errorsAt(`${OPENAPI}${pointer('components', 'schemas', name)}`, value);
  }

  /**
   * Errors of a response of `POST path`: the status must be one the document lists for the route;
   * a response with content must have a listed media type and a body valid against its schema; a
   * response without content must have no body; each header the document describes must, when
   * sent, be valid against its schema (read as a string, or as an integer when it is digits only,
   * as headers are sent as text).
   */
  responseErrors(path: OfrepPath, res: ReceivedResponse): string[] {
    const responses: Json = this.document.paths[path].post.responses;
    const spec = responses[String(res.status)] as Json | undefined;
    if (spec === undefined) return [`status ${res.status} is not a response of POST ${path} (${Object.keys(responses).join(', ')})`];
    const at = (...rest: string[]): string => `${OPENAPI}${pointer('paths', path, 'post', 'responses', String(res.status), ...rest)}`;
    const errors: string[] = [];
    for (const [name, header] of Object.entries((spec.headers ?? {}) as Json)) {
      const value = res.headers.get(name);
      if (value === null || header.schema === undefined) continue;
      const readings: unknown[] = /^\d+$/.test(value) ? [value, Number(value)] : [value];
      const each = readings.map((reading) => this.errorsAt(at('headers', name, 'schema'), reading, `header ${name}`));
      if (each.every((e) => e.length > 0)) errors.push(...(each[0] as string[]));
    }
    const content = spec.content as Json | undefined;
    if (content === undefined) {
      if (res.body !== '') errors.push(`status ${res.status} has no content in the document, got a body`);
      return errors;
    }
    const mediaType = (res.headers.get('content-type') ?? '').split(';', 1)[0]!.trim();
    if (!(mediaType in content)) return [...errors, `content type ${JSON.stringify(mediaType)} is not one of ${Object.keys(content).join(', ')}`];
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      return [...errors, 'the body is not JSON'];
    }
    return [...errors, ...this.errorsAt(at('content', mediaType, 'schema'), body, 'body')];
  }

  /**
   * Errors of one SSE event: against the event stream's item schema (`sseEvent`), and its `data`
   * parsed as JSON against the `contentSchema` (`sseEventData`), which the document asks providers
   * to apply but a validator only annotates.
   */
  eventErrors(event: ReceivedEvent): string[] {
    const connection: Json = this.eventStreams.components.pathItems.eventStreamConnection.get.responses['200'].content['text/event-stream'];
    const itemRef = new URL(connection.itemSchema.$ref as string, EVENT_STREAMS).href;
    const errors = this.errorsAt(itemRef, event, 'event');
    if (typeof event.data !== 'string') return errors;
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return [...errors, 'event.data is not JSON'];
    }
    const contentSchema = this.#ajv.getSchema(itemRef)?.schema as Json;
    const dataRef = new URL(contentSchema.properties.data.contentSchema.$ref as string, OPENAPI).href;
    return [...errors, ...this.errorsAt(dataRef, data, 'event.data')];
  }
}

/** The fields of an SSE block as the SSE standard reads them; undefined for a comment-only block. */
export function sseEvent(block: string): ReceivedEvent | undefined {
  const event: ReceivedEvent = {};
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'id' || field === 'event') event[field] = value;
    else if (field === 'retry' && /^\d+$/.test(value)) event.retry = Number(value);
  }
  if (data.length > 0) event.data = data.join('\n');
  return Object.keys(event).length === 0 ? undefined : event;
}
