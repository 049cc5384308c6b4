#!/usr/bin/env node
// The API report: every name aws-crt 1.33's namespaces that this package claims (mqtt5, io, iot,
// http, auth, and issue 20's mqtt, mqtt_request_response and cancel) export — functions, classes, enums, interfaces, types, and the members of classes
// (instance and static), interfaces and enums — and whether mqtt5-crt has it. Both sides are read
// from their type declarations by the TypeScript checker (aws-crt is a devDependency; ours is
// dist/index.d.ts, so run `npm run build:ts` first). Names on the written list of deliberate
// omissions (scripts/api-omissions.json, each with its reason) are reported as omitted; any other
// missing name fails the run (exit 1).
//   node scripts/api-report.mjs [--all]   (--all also lists the names present)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NAMESPACES = ['mqtt5', 'io', 'iot', 'http', 'auth', 'mqtt', 'mqtt_request_response', 'cancel'];

/** name -> the exported symbols of each side's namespaces, by the checker. */
function program() {
    const file = path.join(root, 'dist', '__api_report__.ts');
    const text = [
        "import * as theirs from 'aws-crt';",
        `import * as ours from ${JSON.stringify(path.join(root, 'dist', 'index'))};`,
        'export { theirs, ours };',
    ].join('\n');
    const options = {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        noEmit: true,
    };
    const host = ts.createCompilerHost(options);
    const read = host.readFile;
    host.readFile = (f) => (path.resolve(f) === file ? text : read(f));
    const exists = host.fileExists;
    host.fileExists = (f) => path.resolve(f) === file || exists(f);
    const p = ts.createProgram([file], options, host);
    const checker = p.getTypeChecker();
    const source = p.getSourceFile(file);
    const imports = source.statements.filter(ts.isImportDeclaration);
    const moduleOf = (i) => checker.getSymbolAtLocation(imports[i].moduleSpecifier);
    if (!moduleOf(0)) throw new Error('aws-crt is not installed (npm install: it is a devDependency)');
    if (!moduleOf(1)) throw new Error('dist/index.d.ts is missing: run npm run build:ts');
    return { checker, theirs: moduleOf(0), ours: moduleOf(1) };
}

function resolve(checker, sym) {
    return sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
}

function exportsOf(checker, sym) {
    const s = resolve(checker, sym);
    return new Map(checker.getExportsOfModule(s).map((e) => [e.name, e]));
}

function isPublic(sym) {
    const d = sym.valueDeclaration ?? sym.declarations?.[0];
    if (!d) return true;
    const flags = ts.getCombinedModifierFlags(d);
    if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
    if (sym.name.startsWith('#') || sym.name.startsWith('__')) return false;
    return true;
}

/** The member names of a symbol: enum members, interface/class instance members, class statics. */
function membersOf(checker, sym) {
    const s = resolve(checker, sym);
    const names = new Set();
    if (s.flags & ts.SymbolFlags.Enum) {
        for (const m of checker.getExportsOfModule(s)) names.add(m.name);
        return names;
    }
    if (s.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
        const t = checker.getDeclaredTypeOfSymbol(s);
        for (const p of checker.getPropertiesOfType(t)) if (isPublic(p)) names.add(p.name);
    }
    if (s.flags & ts.SymbolFlags.Class) {
        const decl = s.valueDeclaration ?? s.declarations?.[0];
        const st = checker.getTypeOfSymbolAtLocation(s, decl);
        for (const p of checker.getPropertiesOfType(st)) if (p.name !== 'prototype' && isPublic(p)) names.add(`static ${p.name}`);
    }
    return names;
}

export function report() {
    const { checker, theirs, ours } = program();
    const theirsNs = exportsOf(checker, theirs);
    const oursNs = exportsOf(checker, ours);
    const rows = [];
    for (const ns of NAMESPACES) {
        const a = exportsOf(checker, theirsNs.get(ns));
        const b = oursNs.has(ns) ? exportsOf(checker, oursNs.get(ns)) : new Map();
        for (const [name, sym] of [...a].sort(([x], [y]) => x.localeCompare(y))) {
            const mine = b.get(name);
            rows.push({ name: `${ns}.${name}`, present: mine !== undefined });
            if (!mine) continue;
            const wanted = membersOf(checker, sym);
            const have = membersOf(checker, mine);
            for (const m of [...wanted].sort()) {
                const [isStatic, member] = m.startsWith('static ') ? ['static ', m.slice(7)] : ['', m];
                rows.push({ name: `${ns}.${name}.${isStatic}${member}`.replace('.static ', '.static.'), present: have.has(m) });
            }
        }
    }
    return rows;
}

/** An omission's key: a name, or a pattern where `*` stands for any run of characters. */
function matcher(key) {
    const re = new RegExp(
        `^${key
            .split('*')
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
    );
    return (name) => re.test(name);
}

function main() {
    const omissions = JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'api-omissions.json'), 'utf8'));
    const keys = Object.keys(omissions).filter((k) => !k.startsWith('//'));
    const matchers = keys.map((k) => [k, matcher(k)]);
    const reasonOf = (name) => matchers.find(([, m]) => m(name))?.[0];
    const rows = report();
    const missing = rows.filter((r) => !r.present);
    const undeclared = missing.filter((r) => reasonOf(r.name) === undefined);
    const stale = keys.filter((k) => !missing.some((r) => matcher(k)(r.name)));
    if (process.argv.includes('--all')) for (const r of rows) console.log(`${r.present ? 'present ' : 'MISSING '} ${r.name}`);
    for (const r of missing) {
        const key = reasonOf(r.name);
        if (key !== undefined) console.log(`omitted  ${r.name}: ${omissions[key]}`);
    }
    for (const r of undeclared) console.log(`MISSING  ${r.name} (not on scripts/api-omissions.json)`);
    for (const n of stale) console.log(`STALE    ${n}: on the omissions list but present (remove it from the list)`);
    const present = rows.length - missing.length;
    console.log(
        `api-report: ${rows.length} names of aws-crt 1.33 (${NAMESPACES.join(', ')}): ${present} present, ` +
            `${missing.length - undeclared.length} deliberately omitted, ${undeclared.length} missing, ${stale.length} stale`,
    );
    process.exitCode = undeclared.length > 0 || stale.length > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
