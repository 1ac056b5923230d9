package dev.scratchgpt.cli.train;

import dev.scratchgpt.trainer.v1.EventKind;
import dev.scratchgpt.trainer.v1.TrainingEvent;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressLineTest {

    @Test
    void showsStepBarLossesThroughputAndEtaAndCarriesTheLastEstimate() {
        ProgressLine line = new ProgressLine();
        String eval = line.render(TrainingEvent.newBuilder().setKind(EventKind.EVENT_KIND_EVAL).setStep(250).setMaxSteps(1000)
                .setTrainLoss(2.5f).setValLoss(2.6f).setTokensPerSecond(12_345f).setEtaSeconds(125).build());
        assertTrue(eval.startsWith("step 250/1000 [######------------------]  25%"), eval);
        assertTrue(eval.contains("train 2.500 val 2.600"), eval);
        assertTrue(eval.contains("12.3k tok/s"), eval);
        assertTrue(eval.endsWith("ETA 2:05"), eval);

        String step = line.render(TrainingEvent.newBuilder().setKind(EventKind.EVENT_KIND_STEP).setStep(260).setMaxSteps(1000)
                .setBatchLoss(2.4f).setTokensPerSecond(900f).setEtaSeconds(3725).build());
        assertTrue(step.contains("train 2.500 val 2.600 batch 2.400"), "the last estimate stays on the line: " + step);
        assertTrue(step.contains("900 tok/s"), step);
        assertTrue(step.endsWith("ETA 1:02:05"), step);
    }

    @Test
    void beforeAnyEstimateAndWithoutAnEtaShowsDashes() {
        String first = new ProgressLine().render(TrainingEvent.newBuilder().setStep(0).setMaxSteps(0).build());
        assertTrue(first.contains("train   -   val   -  "), first);
        assertEquals("-", ProgressLine.duration(Double.NaN));
        assertEquals("0:00", ProgressLine.duration(0));
    }
}
