import type { AlertProviderType } from '../../api/alert-provider.js';
import type { PayloadBuilder } from '../types.js';
import { discordPayload } from './discord.js';
import { genericPayload } from './generic.js';
import { gchatPayload } from './gchat.js';
import { msteamsPayload } from './msteams.js';
import { rocketPayload } from './rocket.js';
import { slackPayload } from './slack.js';

export const PAYLOADS: Record<AlertProviderType, PayloadBuilder> = {
  slack: slackPayload,
  msteams: msteamsPayload,
  discord: discordPayload,
  rocket: rocketPayload,
  gchat: gchatPayload,
  generic: genericPayload,
};
