/**
 * Writes `dist/types/`: the package's declarations, self-contained. The SDK's wire types are derived
 * from the server's zod schemas (`src/types.ts`), which a consumer does not have, and zod is not a
 * dependency of the package; so the declarations of those types are written out as the plain
 * types they resolve to, and the build fails if any declaration still points outside the package.
 *
 *     tsx scripts/declarations.ts        (part of `npm run build`)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import ts from 'typescript'

const PACKAGE = join(import.meta.dirname, '..')
const SOURCE = join(PACKAGE, 'src')
const OUT = join(PACKAGE, 'dist', 'types')

function fail(message: string): never {
  console.error(`declarations: ${message}`)
  process.exit(1)
}

function report(diagnostics: readonly ts.Diagnostic[]) {
  if (!diagnostics.length) return
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => PACKAGE, getNewLine: () => '\n' }
  fail(`\n${ts.formatDiagnosticsWithColorAndContext(diagnostics, host)}`)
}

const config = ts.getParsedCommandLineOfConfigFile(join(PACKAGE, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => report([d]) })
if (!config) fail('cannot read tsconfig.build.json')
report(config.errors)
const program = ts.createProgram(config.fileNames, config.options)
report(ts.getPreEmitDiagnostics(program))
const checker = program.getTypeChecker()
const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed })

const BUILDER_FLAGS =
  ts.NodeBuilderFlags.NoTruncation |
  ts.NodeBuilderFlags.MultilineObjectLiterals |
  ts.NodeBuilderFlags.UseSingleQuotesForStringLiteralType |
  ts.NodeBuilderFlags.UseStructuralFallback |
  ts.NodeBuilderFlags.InTypeAlias

const isOwn = (file: string) => !relative(SOURCE, file).startsWith('..')
/** An import of a module the consumer does not have: zod, or the server's schemas. */
const isForeignImport = (statement: ts.Statement, from: string): statement is ts.ImportDeclaration => {
  if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) return false
  const specifier = statement.moduleSpecifier.text
  return specifier.startsWith('.') ? !isOwn(join(dirname(from), specifier)) : true
}

/** The resolved type of each exported declaration that refers to a foreign module, by name. */
function resolvedTypes(source: ts.SourceFile): Map<string, ts.TypeNode> {
  const types = new Map<string, ts.TypeNode>()
  const build = (type: ts.Type, at: ts.Node) => checker.typeToTypeNode(type, at, BUILDER_FLAGS) ?? fail(`cannot write out the type of ${at.getText()}`)
  for (const statement of source.statements) {
    if (ts.isTypeAliasDeclaration(statement) && !statement.typeParameters) {
      types.set(statement.name.text, build(checker.getTypeAtLocation(statement.name), statement))
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) types.set(declaration.name.text, build(checker.getTypeAtLocation(declaration.name), statement))
      }
    }
  }
  return types
}

const flat = (node: ts.Node, file: ts.SourceFile) => printer.printNode(ts.EmitHint.Unspecified, node, file).replace(/\s+/g, ' ')

/**
 * Inside each written-out type, a part that is exactly another exported type becomes a reference
 * to it by name (`annotations: Annotation[]`), so the declarations read like the source.
 */
function withNames(types: Map<string, ts.TypeNode>, file: ts.SourceFile): Map<string, ts.TypeNode> {
  const byText = new Map<string, string>()
  for (const [name, node] of types) if (!byText.has(flat(node, file))) byText.set(flat(node, file), name)
  const named = new Map<string, ts.TypeNode>()
  for (const [name, root] of types) {
    const result = ts.transform(root, [
      (context) => (top) => {
        const visit = (node: ts.Node): ts.Node => {
          if (node !== top && ts.isTypeNode(node)) {
            const match = byText.get(flat(node, file))
            if (match && match !== name) return ts.factory.createTypeReferenceNode(match)
          }
          return ts.visitEachChild(node, visit, context)
        }
        return visit(top) as ts.TypeNode
      },
    ])
    named.set(name, result.transformed[0]!)
  }
  return named
}

/** tsc's declaration of one file, with foreign imports dropped and what used them written out. */
function selfContained(declaration: string, sourceFile: ts.SourceFile): string {
  const file = ts.createSourceFile('out.d.ts', declaration, ts.ScriptTarget.Latest, true)
  if (!file.statements.some((s) => isForeignImport(s, sourceFile.fileName))) return declaration
  const types = withNames(resolvedTypes(sourceFile), file)
  const statements = file.statements.flatMap((statement): ts.Statement[] => {
    if (isForeignImport(statement, sourceFile.fileName)) return []
    if (ts.isTypeAliasDeclaration(statement)) {
      const type = types.get(statement.name.text)
      // A generic helper of the source has done its work once the types that use it are written out.
      if (statement.typeParameters && !statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return []
      return [type ? ts.factory.updateTypeAliasDeclaration(statement, statement.modifiers, statement.name, statement.typeParameters, type) : statement]
    }
    if (ts.isVariableStatement(statement)) {
      const declarations = statement.declarationList.declarations.map((d) => {
        const type = ts.isIdentifier(d.name) ? types.get(d.name.text) : undefined
        return type ? ts.factory.updateVariableDeclaration(d, d.name, d.exclamationToken, type, d.initializer) : d
      })
      return [ts.factory.updateVariableStatement(statement, statement.modifiers, ts.factory.updateVariableDeclarationList(statement.declarationList, declarations))]
    }
    return [statement]
  })
  return printer.printFile(ts.factory.updateSourceFile(file, statements))
}

const written = new Map<string, string>()
const emitted = program.emit(
  undefined,
  (fileName, text, _bom, _onError, sources) => {
    const source = sources?.[0]
    if (!source || !isOwn(source.fileName)) return // the server's schemas: written out where used
    const path = join(OUT, relative(SOURCE, source.fileName).replace(/\.ts$/, '.d.ts'))
    written.set(path, selfContained(text, program.getSourceFile(source.fileName)!))
  },
  undefined,
  true,
)
report(emitted.diagnostics)

/**
 * `./client` becomes `./client.js`: the package is ESM, and a consumer on Node's own module
 * resolution (`nodenext`) needs the extension that bundlers let the source leave out.
 */
function withExtensions(path: string, text: string): string {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const edits: { start: number; end: number; specifier: string }[] = []
  const visit = (node: ts.Node) => {
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
        ? node.moduleSpecifier
        : ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)
          ? node.argument.literal
          : undefined
    if (specifier?.text.startsWith('.')) {
      const target = join(dirname(path), specifier.text)
      const resolved = written.has(`${target}.d.ts`) ? `${specifier.text}.js` : written.has(join(target, 'index.d.ts')) ? `${specifier.text}/index.js` : undefined
      if (!resolved) fail(`${relative(PACKAGE, path)} imports ${specifier.text}, which is not among the declarations`)
      edits.push({ start: specifier.getStart(file) + 1, end: specifier.getEnd() - 1, specifier: resolved })
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return edits.reduceRight((out, edit) => out.slice(0, edit.start) + edit.specifier + out.slice(edit.end), text)
}
for (const [path, text] of written) written.set(path, withExtensions(path, text))

for (const [path, text] of written) {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest)
  const foreign = file.statements.filter((s) => isForeignImport(s, join(SOURCE, relative(OUT, path))))
  if (foreign.length) fail(`${relative(PACKAGE, path)} still imports ${foreign.map((s) => s.moduleSpecifier.getText(file)).join(', ')}`)
}
rmSync(OUT, { recursive: true, force: true })
for (const [path, text] of written) {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
}

// The proof: the declarations compile on their own, with no types but the standard library's.
const alone = ts.createProgram([join(OUT, 'index.d.ts')], {
  noEmit: true,
  strict: true,
  types: [],
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
})
report(ts.getPreEmitDiagnostics(alone))
console.log(`declarations: ${written.size} files in ${relative(PACKAGE, OUT)}, self-contained`)
