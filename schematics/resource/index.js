'use strict';
// The house `resource` schematic: `npx nest g resource <name>` (nest-cli.json names this
// collection) writes a resource shaped like the rest of src/ and wires it in: module in
// AppModule, a <name>:read / <name>:write scope pair, its OpenAPI tag, the entity in
// database/entities.ts and a migration in database/migrations/index.ts (and its name in names.ts).
const { SchematicsException, apply, applyTemplates, mergeWith, move, url, chain, strings } = require('@angular-devkit/schematics');

function singularOf(plural) {
  if (/ies$/.test(plural)) return plural.slice(0, -3) + 'y';
  if (/(ses|xes|zes|ches|shes)$/.test(plural)) return plural.slice(0, -2);
  if (/[^s]s$/.test(plural)) return plural.slice(0, -1);
  return plural;
}

function namesOf(options) {
  const plural = strings.dasherize(String(options.name || '').trim());
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(plural)) {
    throw new SchematicsException(`The resource name "${options.name}" must be kebab-case letters and digits, e.g. widgets.`);
  }
  const singular = singularOf(plural);
  const prefix = options.prefix ?? singular.replace(/-/g, '').slice(0, 3);
  if (!/^[a-z][a-z0-9]{1,7}$/.test(prefix)) {
    throw new SchematicsException(`The id prefix "${prefix}" must be 2 to 8 lower-case letters or digits.`);
  }
  const timestamp = Date.now();
  return {
    plural,
    singular,
    Plural: strings.classify(plural),
    Singular: strings.classify(singular),
    pluralCamel: strings.camelize(plural),
    singularCamel: strings.camelize(singular),
    table: plural.replace(/-/g, '_'),
    words: plural.replace(/-/g, ' '),
    singularWords: singular.replace(/-/g, ' '),
    tag: plural.charAt(0).toUpperCase() + plural.slice(1).replace(/-/g, ' '),
    prefix,
    timestamp,
    migration: `${strings.classify(plural)}${timestamp}`,
  };
}

/** Replaces the one match of `pattern` in `path`, or stops with a message naming the anchor. */
function edit(path, pattern, replace, what) {
  return (tree) => {
    const buffer = tree.read(path);
    if (!buffer) throw new SchematicsException(`${path} is missing: cannot ${what}.`);
    const text = buffer.toString('utf8');
    if (!pattern.test(text)) throw new SchematicsException(`${path} no longer has the shape this schematic knows: cannot ${what}.`);
    tree.overwrite(path, text.replace(pattern, replace));
    return tree;
  };
}

/** Adds an import line after the last import of the file. */
function addImport(path, line) {
  return edit(path, /((?:^import [^;]+;\n)+)/m, (imports) => `${imports}${line}\n`, `import ${line}`);
}

function resource(options) {
  return () => {
    const n = namesOf(options);
    const root = options.sourceRoot || 'src';
    const templates = apply(url('./files'), [applyTemplates({ ...n }), move('.')]);
    const scopes = `'${n.plural}:read', '${n.plural}:write'`;
    return chain([
      mergeWith(templates),
      addImport(`${root}/app.module.ts`, `import { ${n.Plural}Module } from './${n.plural}/${n.plural}.module.js';`),
      edit(`${root}/app.module.ts`, /(\n)(  \],\n\}\)\nexport class AppModule)/, `$1    ${n.Plural}Module,\n$2`, 'add the module to AppModule'),
      edit(
        `${root}/auth/scopes.ts`,
        /export const EXTENSION_SCOPES = \[([^\]]*)\] as const;/,
        (_, list) => `export const EXTENSION_SCOPES = [${[list.trim().replace(/,$/, ''), scopes].filter(Boolean).join(', ')}] as const;`,
        'add the scope pair',
      ),
      edit(
        `${root}/openapi.ts`,
        /(\n)(  \{ name: 'Verify',)/,
        `$1  { name: '${n.tag}', description: '${n.Plural}: create them, read them, list them newest first.' },\n$2`,
        'add the OpenAPI tag',
      ),
      addImport(`${root}/database/entities.ts`, `import { ${n.Singular} } from '../${n.plural}/entities/${n.singular}.entity.js';`),
      edit(`${root}/database/entities.ts`, /(export const ENTITIES = \[[\s\S]*?)(\n\];)/, `$1\n  ${n.Singular},$2`, 'register the entity'),
      addImport(`${root}/database/migrations/index.ts`, `import { ${n.migration} } from './${n.timestamp}-${n.plural}.js';`),
      edit(
        `${root}/database/migrations/index.ts`,
        /(export const MIGRATIONS = \[[\s\S]*?)(,?\s*\];)/,
        `$1, ${n.migration}];`,
        'register the migration',
      ),
      edit(
        `${root}/database/migrations/names.ts`,
        /(export const MIGRATION_NAMES: readonly string\[\] = \[[\s\S]*?)(\n\];)/,
        `$1\n  '${n.migration}',$2`,
        'add the migration name the CLI compares without TypeORM',
      ),
    ]);
  };
}

module.exports = { resource, singularOf };
