"""The electronic archive (issue #8): file plan, archive records with their Law 135/2007 record cards, fixity,
timestamp renewal, retention and disposal, E-ARK SIP export, search. See docs/archive.md."""
