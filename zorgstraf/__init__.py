"""zorgstraf: beslisondersteuning bij de samenloop van zorg en straf. Adviseert; een professional beslist."""
