package org.jalloc.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.jalloc.core.ThreadSafety;
import org.junit.jupiter.api.Test;

class SpecAndSizesTest {
    @Test
    void sizesReadBytesAndPowersOf1024() {
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals(64 << 10, Sizes.parse("64K"));
        assertEquals(16 << 20, Sizes.parse("16m"));
        assertEquals(1L << 30, Sizes.parse(" 1G "));
        assertEquals(2 << 20, Sizes.parse("2MB"));
        for (String bad : new String[] {"", "K", "-1", "1.5M", "12Q", "99999999999G"}) {
            assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad), bad);
        }
        assertEquals("16M", Sizes.format(16 << 20));
        assertEquals("65537", Sizes.format(65537));
    }

    @Test
    void specsParseNameAndOptions() {
        AllocatorSpec s = AllocatorSpec.parse("first-fit:list=address,coalesce=deferred");
        assertEquals("first-fit", s.name());
        assertEquals(Map.of("list", "address", "coalesce", "deferred"), s.options());
        assertEquals("first-fit:list=address,coalesce=deferred", s.toString());
        assertEquals("buddy", AllocatorSpec.parse("buddy").toString());
        for (String bad : new String[] {"", ":a=b", "x:a", "x:a=", "x:=b", "x:a=1,a=2"}) {
            assertThrows(IllegalArgumentException.class, () -> AllocatorSpec.parse(bad), bad);
        }
    }

    @Test
    void typesResolveOptionsAndNameNonDefaults() {
        AllocatorType t = new AllocatorType("toy", "a toy", ThreadSafety.SINGLE_OWNER,
                List.of(OptionSpec.choice("fit", "first", "placement", "first", "best"), OptionSpec.number("chunk", "4K", "growth")),
                (heap, options, name) -> { throw new UnsupportedOperationException("not built in this test"); });
        Map<String, String> r = t.resolve(AllocatorSpec.parse("toy:chunk=64K"));
        assertEquals(Map.of("fit", "first", "chunk", "64K"), r);
        assertEquals("toy:chunk=64K", t.displayName(r));
        assertEquals("toy", t.displayName(t.resolve(AllocatorSpec.parse("toy:fit=first"))));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> t.resolve(AllocatorSpec.parse("toy:size=1")));
        assertTrue(unknown.getMessage().contains("fit=first|best"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.resolve(AllocatorSpec.parse("toy:fit=worst")));
        assertThrows(IllegalArgumentException.class, () -> t.resolve(AllocatorSpec.parse("toy:chunk=big")));
        assertFalse(OptionSpec.number("n", "1", "").accepts("-3"));
    }
}
