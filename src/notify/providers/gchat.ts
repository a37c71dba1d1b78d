import type { PayloadBuilder } from '../types.js';

/** A Google Chat card message. */
export const gchatPayload: PayloadBuilder = (alert, settings, address) => {
  const facts = Object.entries(alert.fields).map(([topLabel, content]) => ({
    keyValue: { topLabel, content },
  }));
  return {
    url: address,
    body: {
      cards: [
        {
          header: { title: `${alert.name}.${alert.namespace}`, subtitle: settings.username },
          sections: [
            { widgets: [{ textParagraph: { text: alert.text } }] },
            ...(facts.length > 0 ? [{ widgets: facts }] : []),
          ],
        },
      ],
    },
  };
};
