// The member names the build may shorten (esbuild's mangleProps renames every property of a name in
// every file, so a name is only safe when nothing but internal members carries it). Derived from the
// TypeScript program over lib/: a candidate is a `private` or `protected` class member (protected only
// when no exported class inherits it: a subclass outside the package may use those); it is shortened
// only when NO other declaration or use of its name exists in the program — no public member, object
// literal key, destructured or accessed property of another type, string literal (wire and persisted
// keys, `obj['name']`), declaration in a dependency's or the platform's types (DOM, Node, rxjs,
// OpenFeature, Redis, Angular) — and no instance carrying it is serialized or copied by its keys.
//   node scripts/internal-names.mjs [--verbose]   prints the shortened names (and, verbose, the refused ones and why)
import ts from 'typescript';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const libDir = join(root, 'lib');

/** Calls whose arguments are serialized or copied key by key: the keys of what they get are data. */
const BY_KEYS = new Set(['JSON.stringify', 'structuredClone', 'Object.keys', 'Object.entries', 'Object.values', 'Object.assign', 'postMessage']);

const hasModifier = (node, kind) => (ts.getCombinedModifierFlags(node) & kind) !== 0;

/** Where `node` is (lib-relative file:line), for the refusal reasons. */
function where(node) {
  const file = node.getSourceFile();
  return `${relative(root, file.fileName)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
}

/** Is this identifier a property name (what mangleProps renames): a member, key, accessed or destructured name? */
function isPropertyName(node) {
  const parent = node.parent;
  if (!parent) return false;
  if (ts.isPropertyAccessExpression(parent) || ts.isQualifiedName(parent)) return parent.name === node || parent.right === node;
  if (ts.isBindingElement(parent)) return parent.propertyName === node || (parent.propertyName === undefined && parent.name === node && ts.isObjectBindingPattern(parent.parent));
  if (ts.isParameter(parent)) return parent.name === node && ts.isParameterPropertyDeclaration(parent, parent.parent);
  return (
    parent.name === node &&
    (ts.isPropertyAssignment(parent) ||
      ts.isShorthandPropertyAssignment(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isGetAccessorDeclaration(parent) ||
      ts.isSetAccessorDeclaration(parent) ||
      ts.isEnumMember(parent) ||
      ts.isPropertyAccessExpression(parent))
  );
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
  const theirs = program.getSourceFiles().filter((file) => file.isDeclarationFile);

  // The classes a user can reach (exported from an entry) and every class they inherit from.
  const exported = new Set();
  for (const file of ours.filter((file) => /\/index\.ts$/.test(file.fileName))) {
    const module = checker.getSymbolAtLocation(file);
    for (const symbol of module ? checker.getExportsOfModule(module) : []) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      for (const declaration of target.declarations ?? []) {
        for (let type = ts.isClassDeclaration(declaration) ? checker.getDeclaredTypeOfSymbol(target) : undefined; type; type = checker.getBaseTypes(type)[0]) {
          exported.add(type.symbol);
        }
      }
    }
  }

  /** name → reason kept; candidates: member declaration → name. */
  const refused = new Map();
  const refuse = (name, reason) => refused.has(name) || refused.set(name, reason);
  const candidates = new Map();
  for (const file of ours) {
    ts.forEachChild(file, function visit(node) {
      const member = ts.isParameter(node) && ts.isParameterPropertyDeclaration(node, node.parent) ? node : ts.isClassElement(node) && !ts.isConstructorDeclaration(node) ? node : undefined;
      if (member?.name && ts.isIdentifier(member.name) && (hasModifier(member, ts.ModifierFlags.Private) || hasModifier(member, ts.ModifierFlags.Protected))) {
        const owner = ts.isParameter(member) ? member.parent.parent : member.parent;
        if (hasModifier(member, ts.ModifierFlags.Protected) && exported.has(checker.getSymbolAtLocation(owner.name) ?? owner.symbol)) {
          refuse(member.name.text, `protected in ${owner.name?.text}, which a user can subclass (${where(member)})`);
        }
        candidates.set(member, member.name.text);
      }
      ts.forEachChild(node, visit);
    });
  }
  const names = new Set(candidates.values());

  // Every other use of a candidate's name in lib/.
  // (By declaration: a member of a generic class, seen through an instance type, is another symbol.)
  const internal = (symbol) => symbol?.declarations?.length > 0 && symbol.declarations.every((declaration) => candidates.has(declaration));
  for (const file of ours) {
    ts.forEachChild(file, function visit(node) {
      if ((ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) && names.has(node.text)) refuse(node.text, `a string literal ${where(node)}`);
      if (ts.isIdentifier(node) && names.has(node.text) && isPropertyName(node)) {
        const parent = node.parent;
        const symbol = ts.isParameter(parent) ? checker.getSymbolsOfParameterPropertyDeclaration(parent, node.text)[1] : ts.isShorthandPropertyAssignment(parent) ? undefined : checker.getSymbolAtLocation(node);
        if (!internal(symbol)) refuse(node.text, `another property of that name ${where(node)}`);
      }
      if (ts.isCallExpression(node) && BY_KEYS.has(node.expression.getText().replace(/^.*\.(?=postMessage$)/, ''))) {
        for (const arg of node.arguments) refuseKeys(checker.getTypeAtLocation(arg), `${node.expression.getText()} at ${where(node)}`);
      }
      if (ts.isSpreadAssignment(node)) refuseKeys(checker.getTypeAtLocation(node.expression), `spread at ${where(node)}`);
      ts.forEachChild(node, visit);
    });
  }
  function refuseKeys(type, reason) {
    for (const part of type.isUnionOrIntersection() ? type.types : [type]) {
      for (const property of checker.getPropertiesOfType(part)) if (internal(property)) refuse(property.name, `its instances are data: ${reason}`);
    }
  }

  // Declarations in the platform's and the dependencies' types.
  for (const file of theirs) {
    ts.forEachChild(file, function visit(node) {
      if (ts.isIdentifier(node) && names.has(node.text) && isPropertyName(node) && !refused.has(node.text)) {
        refuse(node.text, `declared in ${node.getSourceFile().fileName.replace(/^.*\/node_modules\//, '')}`);
      }
      ts.forEachChild(node, visit);
    });
  }

  return { mangled: [...names].filter((name) => !refused.has(name)).sort(), refused };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mangled, refused } = internalNames();
  console.log(`shortens ${mangled.length} internal member names: ${mangled.join(', ')}`);
  if (process.argv.includes('--verbose')) for (const [name, reason] of [...refused].sort()) console.log(`keeps ${name}: ${reason}`);
}
