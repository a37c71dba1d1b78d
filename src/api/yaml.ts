import { stringify } from 'yaml';

/**
 * The one way Serin writes YAML. Objects that share substructure (the same match list on two
 * routes, one policy on both DestinationRules) are written out in full: the `yaml` library would
 * otherwise emit anchors and aliases (`&a1`/`*a1`), which older kustomize and many tools reject.
 * YAML 1.1 keeps strings such as `on`/`yes` quoted for Kubernetes' 1.1-era parsers.
 */
export function toYaml(value: unknown, options: { lineWidth?: number } = {}): string {
  return stringify(value, {
    version: '1.1',
    aliasDuplicateObjects: false,
    ...(options.lineWidth !== undefined ? { lineWidth: options.lineWidth } : {}),
  });
}

/** Several documents, separated by `---`. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\n');
}
