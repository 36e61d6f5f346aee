"""TGFL as the local trainer of a Flower federation (ServerApp + ClientApp)."""
