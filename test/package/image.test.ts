/**
 * No Docker engine runs here, so the image is checked where it is described: the Dockerfile, the
 * manifests, `serin install` and docs/install.md must name the same image, whose tag comes from
 * package.json's version, and the Dockerfile must run the dist/ the package ships.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderInstall } from '../../src/cli/commands/install.js';
import { CONTROLLER_IMAGE } from '../../src/cli/package-info.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  version: string;
  scripts: Record<string, string>;
  files: string[];
};

interface Container {
  image: string;
  imagePullPolicy?: string;
}

function controllerContainers(yaml: string): Container[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as { kind?: string; spec?: { template: { spec: { containers: Container[] } } } })
    .filter((d) => d.kind === 'Deployment')
    .flatMap((d) => d.spec?.template.spec.containers ?? []);
}

describe('the controller image', () => {
  it('is named once, from package.json: serin-controller:<version>', () => {
    expect(CONTROLLER_IMAGE).toBe(`serin-controller:${pkg.version}`);
    expect(pkg.scripts.image).toBe('docker build -t serin-controller:$npm_package_version .');
  });

  it('is what deploy/ and serin install --render run, used as loaded instead of pulled', () => {
    for (const yaml of [
      read('deploy/controller/deployment.yaml'),
      renderInstall({ scope: 'cluster', namespace: 'serin-system' }),
    ]) {
      const containers = controllerContainers(yaml);
      expect(containers.length).toBeGreaterThan(0);
      for (const c of containers)
        expect(c).toMatchObject({ image: CONTROLLER_IMAGE, imagePullPolicy: 'IfNotPresent' });
    }
    expect(read('deploy/controller/deployment.yaml')).not.toMatch(/ghcr\.io|docker\.io|quay\.io/);
  });

  it('is built and loaded the way docs/install.md says', () => {
    const docs = read('docs/install.md');
    expect(docs).toContain('npm run image');
    expect(docs).toContain(`kind load docker-image ${CONTROLLER_IMAGE}`);
    // No pullable-looking reference to an image nobody publishes.
    expect(docs).not.toMatch(/ghcr\.io\/serin/);
  });

  it('builds from the dist/ the package ships and runs its bin/', () => {
    const dockerfile = read('Dockerfile');
    // The build stage's npm ci runs prepare: the same tsc -p tsconfig.build.json and UI bundle.
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(dockerfile).toMatch(
      /^COPY package\.json package-lock\.json tsconfig\.json tsconfig\.build\.json \.\/$/m,
    );
    expect(dockerfile).toMatch(/^RUN npm ci --no-audit --no-fund$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/dist \.\/dist$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--enable-source-maps", "\/app\/bin\/serin\.js"\]$/m);
    expect(pkg.files).toEqual(expect.arrayContaining(['bin/', 'dist/', 'deploy/']));
    const tsconfig = JSON.parse(read('tsconfig.build.json')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    expect(tsconfig.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: 'src' });
    expect(read('bin/serin.js')).toContain("'../dist/cli/main.js'");
  });
});
