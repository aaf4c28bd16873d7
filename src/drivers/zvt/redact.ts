/**
 * Card data must not survive the codec. Free text from the terminal (receipt lines, display texts,
 * additional text) can still carry a full PAN, so every digit run of 12 or more digits — groups may be
 * separated by spaces, dashes or asterisks — is cut down to its last four digits. Runs longer than 19
 * digits are masked too: a PAN could hide inside them, and a receipt loses nothing that matters.
 */
const DIGIT_RUN = /\d(?:[ *-]*\d)*/g;

export function maskPans(text: string): string {
  return text.replace(DIGIT_RUN, (run) => {
    const digits = run.replace(/\D/g, '');
    return digits.length >= 12 ? `****${digits.slice(-4)}` : run;
  });
}

/** Decodes terminal text (ZVT default is a single-byte code page) into printable characters, PANs masked. */
export function safeText(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b !== 0x7f ? String.fromCharCode(b) : b === 0x0a ? '\n' : ' ';
  return maskPans(s).trimEnd();
}

/** The last four digits of a PAN's digit string, or undefined if it has fewer than four real digits. */
export function last4Of(pan: string): string | undefined {
  const tail = pan.slice(-4);
  return /^\d{4}$/.test(tail) ? tail : undefined;
}
