import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

/** The lowest Node version each alternative of `engines.node` admits (e.g. 20.19.0, 22.13.0, 24.11.0). */
function lowestAdmitted(range: string): string[] {
  return new semver.Range(range).set.map((alternative) => semver.minVersion(alternative.map(String).join(' '))!.version);
}

describe('package engines (npm ci prints no EBADENGINE)', () => {
  it('admits Node 20, 22 and 24', () => {
    const floors = lowestAdmitted(pkg.engines.node);
    expect(floors.map((v) => semver.major(v))).toEqual([20, 22, 24]);
  });

  it('every locked dependency supports every Node version the project admits', () => {
    const floors = lowestAdmitted(pkg.engines.node);
    const unsupported: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
      if (!path || !range) continue;
      for (const node of floors) {
        if (!semver.satisfies(node, range)) unsupported.push(`${path}@${entry.version} needs node ${range} (not ${node})`);
      }
    }
    expect(unsupported).toEqual([]);
  });
});
