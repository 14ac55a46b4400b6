/**
 * @fileoverview SARIF 2.1.0 for GitHub code scanning: one result per finding (the rule's own message), located by
 * repository-relative path under `%SRCROOT%`, with a fingerprint that survives line moves (file, rule, snippet).
 */
import { RECOMMENDED_RULES, rules } from '../../../rules/index.js';
import { packageJson, ruleDocsUrl } from '../../util/package-info.js';
import { allFindings, type Audit } from '../model.js';
import { fingerprint } from '../baseline.js';

export function formatSarif(audit: Audit): string {
  const findings = allFindings(audit);
  const ruleIds = RECOMMENDED_RULES;
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'trace-propagation',
            semanticVersion: packageJson.version,
            informationUri: ruleDocsUrl('x').replace(/\/blob\/.*$/, ''),
            rules: ruleIds.map((id) => ({
              id,
              name: id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: rules[id].meta.docs?.description ?? id },
              helpUri: ruleDocsUrl(id),
              defaultConfiguration: { level: 'error' },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `file://${audit.root.replace(/\\/g, '/').replace(/\/?$/, '/')}` } },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ruleIds.indexOf(f.rule),
          level: 'error',
          message: { text: f.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' }, region: { startLine: f.line, startColumn: f.column } } }],
          partialFingerprints: { 'tracePropagation/v1': fingerprint(f) },
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
