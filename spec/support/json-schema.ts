/** Test helper: checks a value against the JSON Schema keywords the flags schema uses. */

/** A JSON Schema (or a part of one). */
export type Schema = Record<string, any>;

/**
 * A checker for the JSON Schema keywords the flags schema uses (enough to prove the schema
 * accepts good documents and rejects bad ones). Returns the instance paths that fail.
 */
export function schemaViolations(root: Schema, value: unknown): string[] {
  return violations(root, root, value);
}

function violations(schema: Schema, node: Schema, value: unknown, path = ''): string[] {
  const out: string[] = [];
  const fail = (why: string): void => void out.push(`${path || '(root)'}: ${why}`);
  if (node.$ref !== undefined) out.push(...violations(schema, schema.$defs[(node.$ref as string).replace('#/$defs/', '')], value, path));
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const types: Record<string, boolean> = {
    object: isObject,
    array: Array.isArray(value),
    string: typeof value === 'string',
    boolean: typeof value === 'boolean',
    integer: Number.isInteger(value),
  };
  if (node.type !== undefined && !types[node.type]) fail(`not ${node.type}`);
  if (node.enum !== undefined && !node.enum.includes(value)) fail('not in enum');
  if (node.const !== undefined && node.const !== value) fail('not const');
  if (typeof value === 'string') {
    if (node.pattern !== undefined && !new RegExp(node.pattern).test(value)) fail('pattern');
    if (node.minLength !== undefined && value.length < node.minLength) fail('minLength');
    if (node.maxLength !== undefined && value.length > node.maxLength) fail('maxLength');
  }
  if (typeof value === 'number') {
    if (node.minimum !== undefined && value < node.minimum) fail('minimum');
    if (node.maximum !== undefined && value > node.maximum) fail('maximum');
  }
  if (Array.isArray(value)) {
    if (node.minItems !== undefined && value.length < node.minItems) fail('minItems');
    if (node.maxItems !== undefined && value.length > node.maxItems) fail('maxItems');
    if (node.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) fail('uniqueItems');
    if (node.items !== undefined) value.forEach((item, i) => out.push(...violations(schema, node.items, item, `${path}[${i}]`)));
  }
  if (isObject) {
    const object = value as Record<string, unknown>;
    for (const name of node.required ?? []) if (!(name in object)) fail(`missing ${name}`);
    for (const [name, child] of Object.entries(object)) {
      const sub = node.properties?.[name] ?? (node.additionalProperties === false ? undefined : node.additionalProperties);
      if (node.additionalProperties === false && node.properties?.[name] === undefined) fail(`unknown ${name}`);
      else if (typeof sub === 'object') out.push(...violations(schema, sub, child, `${path}.${name}`));
    }
  }
  for (const part of node.allOf ?? []) out.push(...violations(schema, part, value, path));
  if (node.oneOf !== undefined && node.oneOf.filter((part: Schema) => violations(schema, part, value, path).length === 0).length !== 1) {
    fail('oneOf');
  }
  if (node.if !== undefined) {
    const branch = violations(schema, node.if, value, path).length === 0 ? node.then : node.else;
    if (branch !== undefined) out.push(...violations(schema, branch, value, path));
  }
  return out;
}
