/**
 * Finding and editing a project's root module: the module whose `imports` array calls
 * `RiakCoreModule.forRoot(...)`, which is where a service module belongs. Pure functions over
 * source text, parsed with the TypeScript compiler (never matched with regular expressions), so
 * any formatting of the module is understood and only two insertions are made.
 */
import * as ts from 'typescript';
import { ChangeType, StringInsertion, applyChangesToString } from '@nx/devkit';

/** The `imports: [...]` arrays of `source` that contain a `RiakCoreModule.forRoot(...)` call. */
function riakCoreImportArrays(source: ts.SourceFile): ts.ArrayLiteralExpression[] {
  const found: ts.ArrayLiteralExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAssignment(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === 'imports' &&
      ts.isArrayLiteralExpression(node.initializer) &&
      node.initializer.elements.some(isRiakCoreForRoot)
    ) {
      found.push(node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function isRiakCoreForRoot(node: ts.Node): boolean {
  return (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    ts.isIdentifier(node.expression.expression) &&
    node.expression.expression.text === 'RiakCoreModule' &&
    node.expression.name.text === 'forRoot'
  );
}

const parse = (fileName: string, text: string) => ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

/** Is this file a root module: does one of its `imports` arrays call `RiakCoreModule.forRoot(...)`? */
export function isRootModule(fileName: string, text: string): boolean {
  return text.includes('RiakCoreModule') && riakCoreImportArrays(parse(fileName, text)).length > 0;
}

/**
 * `text` with `moduleClass` appended to the `imports` array that calls `RiakCoreModule.forRoot(...)`
 * (on its own line when the array has one element per line) and `import { moduleClass } from
 * 'importPath'` after the last import declaration. Undefined unless there is exactly one such array.
 */
export function addToRootModule(fileName: string, text: string, moduleClass: string, importPath: string): string | undefined {
  const source = parse(fileName, text);
  const arrays = riakCoreImportArrays(source);
  if (arrays.length !== 1) return undefined;
  const elements = arrays[0].elements;
  const last = elements[elements.length - 1];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const onePerLine = lineOf(arrays[0].getStart(source)) !== lineOf(last.getStart(source));
  const indent = /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', last.getStart(source)) + 1))?.[0] ?? '';
  const imports = source.statements.filter(ts.isImportDeclaration);
  const importLine = `import { ${moduleClass} } from '${importPath}';`;
  const changes: StringInsertion[] = [
    imports.length > 0
      ? { type: ChangeType.Insert, index: imports[imports.length - 1].end, text: `\n${importLine}` }
      : { type: ChangeType.Insert, index: 0, text: `${importLine}\n` },
    { type: ChangeType.Insert, index: last.end, text: onePerLine ? `,\n${indent}${moduleClass}` : `, ${moduleClass}` },
  ];
  return applyChangesToString(text, changes);
}
