/**
 * What this installation is, read from its package.json: the version is written once, there, and
 * the controller image's tag is derived from it (deploy/, `serin install` and the docs agree with
 * it; a test checks). src/cli/ and dist/cli/ are both two levels below the package root.
 */
import { readFileSync } from 'node:fs';

interface PackageJson {
  name: string;
  version: string;
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;

export const PACKAGE_NAME = pkg.name;
export const PACKAGE_VERSION = pkg.version;

/** The image `npm run image` builds from this checkout; nobody publishes it, so it is loaded into the cluster. */
export const CONTROLLER_IMAGE = `serin-controller:${PACKAGE_VERSION}`;
