import type { PayloadBuilder } from '../types.js';
import { slackBody } from './slack.js';

/** Rocket.Chat takes the Slack attachment shape, with hex colours. */
export const rocketPayload: PayloadBuilder = (alert, settings, address) => ({
  url: address,
  body: slackBody(alert, settings, { info: '#0076D7', warn: '#FFA500', error: '#FF0000' }),
});
