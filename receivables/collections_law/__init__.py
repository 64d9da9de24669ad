"""Collections by Dutch law: what a creditor may add to an unpaid debt, and when.

Pure and unit-tested; nothing here reads the database, the clock or the network.
- `costs`: the statutory collection costs (the BIK scale of the Besluit vergoeding voor
  buitengerechtelijke incassokosten, art. 6:96 BW), with VAT when the creditor cannot deduct
  it, or a contractual percentage for businesses.
- `interest`: statutory interest (art. 6:119 and 6:119a BW) per period from a data file of
  published rates (`rates.yml`), compounded yearly; an unknown rate is refused, never guessed.
- `legal_days`: which days count when a letter arrives and when a legal term ends.
- `letter`: the fourteen-day letter (art. 6:96 lid 6 BW): day of receipt, the term, the last
  day, the costs that follow, and whether costs may be charged on a given day.
- `rules`: the policy's rules for one debtor kind (consumer or business).
- `letter_pdf`: the letter as a PDF (WeasyPrint) in the debtor's language.
"""
