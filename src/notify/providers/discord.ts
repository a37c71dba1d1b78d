import type { PayloadBuilder } from '../types.js';
import { slackBody } from './slack.js';

/** Discord accepts Slack's payload on the webhook URL with `/slack` appended. */
export const discordPayload: PayloadBuilder = (alert, settings, address) => {
  const url = new URL(address);
  if (!url.pathname.endsWith('/slack')) url.pathname = `${url.pathname.replace(/\/$/, '')}/slack`;
  return { url: url.toString(), body: slackBody(alert, settings) };
};
