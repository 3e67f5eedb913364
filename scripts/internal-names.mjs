// The member names the build may shorten. esbuild's mangleProps renames every property of a name in
// every file, so a name is safe only when nothing but internal members carries it. Derived from the
// TypeScript program over lib/:
// - a candidate is a member (class member, interface or type-literal property) declared in lib/ that no
//   public declaration exposes: `private` and `protected` ones of classes no exported class inherits (a
//   user's subclass may use those names, or declare a short one), and public ones of types the exported API does not reach;
// - a candidate's type is data, and its names kept, when a value of it is serialized, listed by its keys,
//   handed to `any`/`unknown`, or taken, asserted or guarded from `any`/`unknown` (parsed wire and stored formats);
// - a name is shortened only when NO other declaration or use of it exists in the program: no public
//   member, object-literal key not typed by a candidate, destructured or accessed property of another
//   type, string literal (wire and persisted keys, `obj['name']`), member of the Angular entry (which
//   Angular's compiler builds unshortened), declaration in a dependency's or the platform's types.
//   node scripts/internal-names.mjs [--verbose]   prints the shortened names (verbose: the kept ones and why)
import ts from 'typescript';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const libDir = join(root, 'lib');
const angularDir = join(libDir, 'angular') + '/';

/** Calls whose arguments are serialized or copied key by key, whatever their parameter types say. */
const BY_KEYS = /^(JSON\.stringify|structuredClone|Object\.(keys|entries))$|\.postMessage$/;

const hasModifier = (node, kind) => (ts.getCombinedModifierFlags(node) & kind) !== 0;

/** Where `node` is (file:line from the repository root), for the reasons. */
function where(node) {
  const file = node.getSourceFile();
  return `${relative(root, file.fileName)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
}

/** A member declaration whose name mangleProps would rename (an identifier, not `#private`, computed or quoted). */
function memberOf(node) {
  const member =
    ts.isParameter(node) ? (ts.isParameterPropertyDeclaration(node, node.parent) ? node : undefined)
    : ts.isClassElement(node) ? (ts.isConstructorDeclaration(node) || ts.isClassStaticBlockDeclaration(node) ? undefined : node)
    : ts.isPropertySignature(node) || ts.isMethodSignature(node) ? node
    : undefined;
  return member?.name && ts.isIdentifier(member.name) ? member : undefined;
}

/** Is this identifier a property name (what mangleProps renames): a member, key, accessed or destructured name? */
function isPropertyName(node) {
  const parent = node.parent;
  if (!parent) return false;
  if (ts.isPropertyAccessExpression(parent)) return parent.name === node;
  if (ts.isQualifiedName(parent)) return parent.right === node;
  if (ts.isBindingElement(parent)) return parent.propertyName === node || (parent.propertyName === undefined && parent.name === node && ts.isObjectBindingPattern(parent.parent));
  if (ts.isParameter(parent)) return parent.name === node && ts.isParameterPropertyDeclaration(parent, parent.parent);
  return parent.name === node && (ts.isPropertyAssignment(parent) || ts.isShorthandPropertyAssignment(parent) || ts.isClassElement(parent) || ts.isTypeElement(parent) || ts.isEnumMember(parent) || ts.isMethodDeclaration(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent));
}

/**
 * Derives the internal member names of lib/. Returns `mangled` (sorted names safe to shorten) and
 * `refused` (name → the first reason it is kept).
 */
export function internalNames() {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const files = readdirSync(libDir, { recursive: true })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(libDir, file));
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const ours = program.getSourceFiles().filter((file) => !file.isDeclarationFile && file.fileName.startsWith(libDir + '/'));
  const core = ours.filter((file) => !file.fileName.startsWith(angularDir));
  const walk = (files, visit) => files.forEach((file) => ts.forEachChild(file, function each(node) { visit(node); ts.forEachChild(node, each); }));

  /**
   * Visits `type` and every type its members, signatures, type arguments and bases reach, once (of a
   * dependency's or the platform's types, and of the `skip`ped ones, only the type arguments).
   */
  const reach = (seen, onProperty, { skip = () => false, signatures = true } = {}) => (start) => {
    const queue = [start];
    const visit = (type) => type && !seen.has(type) && (seen.add(type), queue.push(type));
    while (queue.length > 0) {
      const type = queue.pop();
      if (type.isUnionOrIntersection()) type.types.forEach(visit);
      if (type.flags & ts.TypeFlags.TypeParameter) visit(checker.getBaseConstraintOfType(type));
      if (!(type.flags & ts.TypeFlags.Object)) continue;
      if (type.objectFlags & ts.ObjectFlags.Reference) checker.getTypeArguments(type).forEach(visit);
      if (type.symbol?.declarations?.some((declaration) => declaration.getSourceFile().isDeclarationFile) || skip(type)) continue;
      if (type.objectFlags & ts.ObjectFlags.ClassOrInterface) checker.getBaseTypes(type).forEach(visit);
      for (const property of checker.getPropertiesOfType(type)) if (onProperty(property) !== false) visit(checker.getTypeOfSymbol(property));
      for (const kind of signatures ? [ts.SignatureKind.Call, ts.SignatureKind.Construct] : []) {
        for (const signature of checker.getSignaturesOfType(type, kind)) {
          signature.parameters.forEach((parameter) => visit(checker.getTypeOfSymbol(parameter)));
          visit(signature.getReturnType());
        }
      }
      for (const info of checker.getIndexInfosOfType(type)) visit(info.type);
    }
  };
  const hidden = (declaration) => hasModifier(declaration, ts.ModifierFlags.Private | ts.ModifierFlags.Protected);

  // The public surface: every non-private member the entries' exports reach, and the classes a user can subclass.
  // The types the API reference names as intentionally not exported (typedoc.json) are internal: a
  // public signature may mention them (FleetOption's attach) but their members are not the API.
  const unexported = new Set(JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')).intentionallyNotExported ?? []);
  const exposed = new Set();
  const subclassable = new Set();
  const expose = reach(new Set(), (property) => {
    const declarations = property.declarations ?? [];
    if (declarations.some(hidden)) return false;
    declarations.forEach((declaration) => exposed.add(declaration));
  }, { skip: (type) => unexported.has(type.aliasSymbol?.name ?? type.symbol?.name) });
  for (const file of ours.filter((file) => /\/index\.ts$/.test(file.fileName))) {
    const module = checker.getSymbolAtLocation(file);
    for (const symbol of module ? checker.getExportsOfModule(module) : []) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      if (target.flags & ts.SymbolFlags.Value) expose(checker.getTypeOfSymbol(target));
      if (target.flags & ts.SymbolFlags.Type) expose(checker.getDeclaredTypeOfSymbol(target));
      if (target.flags & ts.SymbolFlags.Class) {
        for (let type = checker.getDeclaredTypeOfSymbol(target); type; type = checker.getBaseTypes(type)[0]) subclassable.add(type.symbol);
      }
    }
  }

  /** name → reason kept; candidates: member declaration → name. */
  const refused = new Map();
  const refuse = (name, reason) => refused.has(name) || refused.set(name, reason);
  const candidates = new Map();
  walk(core, (node) => {
    const member = memberOf(node);
    if (!member || exposed.has(member)) return;
    const owner = ts.isParameter(member) ? member.parent.parent : member.parent;
    // A user's subclass may declare any name, a short one too: the members of such a class keep theirs.
    if (hidden(member) && subclassable.has(checker.getSymbolAtLocation(owner.name) ?? owner.symbol)) {
      refuse(member.name.text, `a member of ${owner.name?.text}, which a user can subclass (${where(member)})`);
    }
    candidates.set(member, member.name.text);
  });
  // (By declaration: a member of a generic type, seen through an instantiation, is another symbol.)
  const internal = (symbol) => symbol?.declarations?.length > 0 && symbol.declarations.every((declaration) => candidates.has(declaration));
  // Object-literal keys typed by a candidate (a literal implementing an internal interface) are that candidate.
  walk(core, (node) => {
    if (!ts.isObjectLiteralExpression(node)) return;
    const contextual = checker.getContextualType(node);
    for (const property of node.properties) {
      if (property.name && ts.isIdentifier(property.name) && internal(contextual?.getProperty(property.name.text))) candidates.set(property, property.name.text);
    }
  });
  const names = new Set(candidates.values());

  // Data: the keys of what is serialized, copied by keys, handed to any/unknown, asserted or guarded.
  const seenData = new Set();
  // (Its properties, not its methods' signatures: the keys of the value itself are what a serializer sees.)
  const data = (type, reason) =>
    reach(seenData, (property) => {
      if (internal(property)) refuse(property.name, `data: ${reason}`);
    }, { signatures: false })(type);
  const opaque = (type) => type !== undefined && (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive)) !== 0;
  const assertion = (node) => ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isSatisfiesExpression(node);
  const parsed = (node) => opaque(checker.getTypeAtLocation(node)) && !assertion(ts.skipPartiallyEmittedExpressions(ts.isParenthesizedExpression(node) ? node.expression : node));
  // (The `this` of bind/call/apply is typed any and is no data.)
  const isThisArgument = (node) => ts.isCallExpression(node.parent) && node.parent.arguments[0] === node && /\.(bind|call|apply)$/.test(node.parent.expression.getText());
  walk(ours, (node) => {
    if (ts.isCallExpression(node) && BY_KEYS.test(node.expression.getText())) node.arguments.forEach((arg) => data(checker.getTypeAtLocation(arg), `${node.expression.getText()} at ${where(node)}`));
    else if (assertion(node) && parsed(node.expression)) data(checker.getTypeFromTypeNode(node.type), `asserted from ${checker.typeToString(checker.getTypeAtLocation(node.expression))} at ${where(node)}`);
    else if (ts.isTypePredicateNode(node) && node.type && opaque(checker.getTypeAtLocation(node.parent.parameters.find((p) => p.name.getText() === node.parameterName.getText()) ?? node))) {
      data(checker.getTypeFromTypeNode(node.type), `guarded at ${where(node)}`);
    } else if (ts.isExpression(node) && !assertion(node.parent) && !ts.isObjectLiteralElement(node.parent) && !isThisArgument(node)) {
      // Either way between typed and untyped: a typed value handed on as any/unknown, an untyped one (parsed JSON) taken as typed.
      const contextual = checker.getContextualType(node);
      if (opaque(contextual)) data(checker.getTypeAtLocation(node), `passed as ${checker.typeToString(contextual)} at ${where(node)}`);
      else if (contextual && checker.getTypeAtLocation(node).flags & ts.TypeFlags.Any) data(contextual, `taken from any at ${where(node)}`);
    }
  });

  // Every other use of a candidate's name in the program.
  walk(ours, (node) => {
    // (A string in a type, as in Pick<T, 'name'>, is gone at run time; a key read at run time comes from a value.)
    if ((ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) && names.has(node.text) && !ts.findAncestor(node, ts.isTypeNode)) refuse(node.text, `a string literal at ${where(node)}`);
    if (!ts.isIdentifier(node) || !names.has(node.text) || !isPropertyName(node)) return;
    if (node.getSourceFile().fileName.startsWith(angularDir)) return refuse(node.text, `the Angular entry's (built unshortened) at ${where(node)}`);
    const parent = node.parent;
    const symbol =
      ts.isParameter(parent) ? checker.getSymbolsOfParameterPropertyDeclaration(parent, node.text)[1]
      : ts.isBindingElement(parent) ? checker.getTypeAtLocation(parent.parent).getProperty(node.text)
      : ts.isShorthandPropertyAssignment(parent) ? undefined
      : checker.getSymbolAtLocation(node);
    if (!candidates.has(parent) && !internal(symbol)) refuse(node.text, exposed.has(parent) ? `public at ${where(node)}` : `another property of that name at ${where(node)}`);
  });
  for (const file of program.getSourceFiles().filter((file) => file.isDeclarationFile)) {
    walk([file], (node) => {
      if (ts.isIdentifier(node) && names.has(node.text) && isPropertyName(node)) refuse(node.text, `declared in ${file.fileName.replace(/^.*\/node_modules\//, '')}`);
    });
  }

  return { mangled: [...names].filter((name) => !refused.has(name)).sort(), refused };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mangled, refused } = internalNames();
  console.log(`shortens ${mangled.length} internal member names: ${mangled.join(', ')}`);
  if (process.argv.includes('--verbose')) for (const [name, reason] of [...refused].sort()) console.log(`keeps ${name}: ${reason}`);
}
