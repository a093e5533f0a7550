package org.jalloc.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jalloc.core.ThreadSafety;
import org.junit.jupiter.api.Test;

/** Number options with ranges (issue 15, defect 6) and the quoting of input in messages (defect 5). */
class OptionRangeTest {
    private static final AllocatorType TOY = new AllocatorType("toy", "a toy", ThreadSafety.SINGLE_OWNER,
            List.of(OptionSpec.number("order", "24", "largest order", 0, 58),
                    OptionSpec.number("block", "16", "block size", 16, Long.MAX_VALUE).powersOfTwo(),
                    OptionSpec.number("n", "1", "any number")),
            (heap, options, name) -> { throw new UnsupportedOperationException("not built in this test"); });

    @Test
    void numbersOutsideTheirRangeAreRejectedWithTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TOY.resolve(AllocatorSpec.parse("toy:order=99")));
        assertTrue(e.getMessage().contains("order=<number in [0, 58]>") && e.getMessage().endsWith("must be at most 58"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TOY.resolve(AllocatorSpec.parse("toy:block=24")));
        assertTrue(e.getMessage().endsWith("must be a power of two"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TOY.resolve(AllocatorSpec.parse("toy:block=8")));
        assertTrue(e.getMessage().contains("block=<power of two >= 16>") && e.getMessage().endsWith("must be at least 16"), e.getMessage());
        assertEquals("58", TOY.resolve(AllocatorSpec.parse("toy:order=58")).get("order"));
        assertEquals("4K", TOY.resolve(AllocatorSpec.parse("toy:block=4K")).get("block"));
    }

    @Test
    void valuesThatWouldWrapInAnIntAreOutOfRange() {
        OptionSpec arenas = OptionSpec.number("arenas", "1", "", 0, 1024);
        assertFalse(arenas.accepts("4294967297"), "(int) 4294967297 is 1");
        assertFalse(arenas.accepts("100000"));
        assertEquals("not a number", arenas.problem("lots"));
        assertNull(arenas.problem("0"));
        assertThrows(IllegalArgumentException.class, () -> OptionSpec.number("x", "1", "", 5, 4));
    }

    @Test
    void quotedInputIsCutAndEscaped() {
        String huge = "a".repeat(100_000);
        String q = Messages.quote(huge);
        assertEquals("'" + "a".repeat(Messages.QUOTE_LIMIT) + "…'", q);
        assertEquals("'a\\x00b\\x0a\\xef\\u20ac'", Messages.quote("a\0b\n\u00ef\u20ac"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(huge));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AllocatorSpec.parse(":" + huge));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TOY.resolve(AllocatorSpec.parse("toy:" + huge + "=1")));
        assertTrue(e.getMessage().length() < 400, e.getMessage());
    }

    @Test
    void sizesThatOverflowSayTooLarge() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse("9223372036854775807K"));
        assertTrue(e.getMessage().startsWith("size too large"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse("99999999999999999999"));
        assertTrue(e.getMessage().startsWith("size too large"), e.getMessage());
        assertEquals(Long.MAX_VALUE, Sizes.parse("9223372036854775807"));
    }
}
