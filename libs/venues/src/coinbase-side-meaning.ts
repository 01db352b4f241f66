/**
 * What Coinbase's market_trades `side` names. Coinbase's Advanced Trade schema documents it
 * as the taker side ("Taker side of the trade", BUY/SELL), unlike the legacy Exchange feed's
 * `matches`, whose side is the maker's. Default 'taker'; 'maker' flips it, should Coinbase's
 * behaviour ever be found to differ from its documentation.
 */
export type CoinbaseSideMeaning = 'taker' | 'maker';
