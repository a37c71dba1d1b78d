import type { PayloadBuilder } from '../types.js';

/** A Microsoft Teams MessageCard (incoming webhook connector). */
export const msteamsPayload: PayloadBuilder = (alert, _settings, address) => ({
  url: address,
  body: {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    themeColor: alert.severity === 'error' ? 'FF0000' : alert.severity === 'warn' ? 'FFA500' : '0076D7',
    summary: `${alert.name}.${alert.namespace}`,
    sections: [
      {
        activityTitle: `${alert.name}.${alert.namespace}`,
        activitySubtitle: alert.phase,
        text: alert.text,
        facts: Object.entries(alert.fields).map(([name, value]) => ({ name, value })),
      },
    ],
  },
});
