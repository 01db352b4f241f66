import { isTradeRefusal, type IngestValidator } from '@mdg/ingest';
import { InvalidFeedInputError, type Trade } from '@mdg/model';
import { INGEST_TRADE_FIELD } from './ingest-stream-format';

/**
 * The trade of one ingest stream entry, or the InvalidFeedInputError saying why there is none
 * (no `trade` field, not JSON, refused by the validator). `where` names the entry in messages.
 */
export function decodeIngestEntry(validator: IngestValidator, where: string, fields: readonly string[]): Trade | InvalidFeedInputError {
  let text: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === INGEST_TRADE_FIELD) {
      text = fields[i + 1];
      break;
    }
  }
  if (text === undefined) return new InvalidFeedInputError(where, `no "${INGEST_TRADE_FIELD}" field`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return new InvalidFeedInputError(where, `INVALID_JSON: the trade field is not JSON (${(error as Error).message})`);
  }
  try {
    return validator.validate(raw);
  } catch (error) {
    if (!isTradeRefusal(error)) throw error;
    return new InvalidFeedInputError(where, `${error.code}: ${error.message}`);
  }
}
