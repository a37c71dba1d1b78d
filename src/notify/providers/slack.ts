import type { AlertMessage, PayloadBuilder, ProviderSettings } from '../types.js';

const COLORS = { info: 'good', warn: 'warning', error: 'danger' } as const;

/** Slack's incoming-webhook attachment, the shape Flagger sends (rocket and discord reuse it). */
export function slackBody(
  alert: AlertMessage,
  settings: ProviderSettings,
  colors: Record<AlertMessage['severity'], string> = COLORS,
) {
  return {
    channel: settings.channel,
    username: settings.username,
    icon_emoji: ':rocket:',
    attachments: [
      {
        color: colors[alert.severity],
        author_name: `${alert.name}.${alert.namespace}`,
        text: alert.text,
        mrkdwn_in: ['text'],
        fields: Object.entries(alert.fields).map(([title, value]) => ({ title, value, short: false })),
      },
    ],
  };
}

export const slackPayload: PayloadBuilder = (alert, settings, address) => ({
  url: address,
  body: slackBody(alert, settings),
});
