import type { CheckCode } from '../../lint/codes.js';

export type Path = readonly (string | number)[];

/** One finding of Istio's validation rules, at a path inside the resource's `spec`. */
export interface IstioIssue {
  path: Path;
  message: string;
  /** Istio refuses the resource on an error; a warning is printed by istioctl/kubectl and accepted. */
  severity: 'error' | 'warning';
  /** The lint code of a check that has its own; otherwise SRN1004 (rejected by Istio's validation). */
  code?: CheckCode;
}

/** Collects issues; every validator of this folder writes into one. */
export class IssueList {
  readonly issues: IstioIssue[] = [];

  error(path: Path, message: string, code?: CheckCode): void {
    this.issues.push({ path, message, severity: 'error', ...(code === undefined ? {} : { code }) });
  }

  warn(path: Path, message: string, code?: CheckCode): void {
    this.issues.push({ path, message, severity: 'warning', ...(code === undefined ? {} : { code }) });
  }

  /** Reports `message` when it is defined (the convention of the small checks below). */
  check(path: Path, message: string | undefined, code?: CheckCode): void {
    if (message !== undefined) this.error(path, message, code);
  }
}
